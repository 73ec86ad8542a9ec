// Keyboard shortcuts for the river: j/k next/previous, o open, s star, m read/unread, ? help.
// Everything works without this file: the buttons are plain forms; this sends them in the
// background and updates the page in place.
(function () {
  "use strict";
  var entries = Array.prototype.slice.call(document.querySelectorAll("article.entry"));
  var help = document.getElementById("reader-help");
  var current = -1;

  function select(index) {
    if (!entries.length) return;
    index = Math.max(0, Math.min(entries.length - 1, index));
    if (current >= 0) entries[current].classList.remove("current");
    current = index;
    var entry = entries[current];
    entry.classList.add("current");
    entry.focus({ preventScroll: true });
    entry.scrollIntoView({ block: "nearest" });
  }

  function toggle(entry, formClass, field, cssClass, labels) {
    var form = entry.querySelector("form." + formClass);
    if (!form) return Promise.resolve();
    var data = new FormData(form);
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); }).then(function (state) {
      var on = state[field];
      entry.classList.toggle(cssClass, on);
      form.querySelector("input[name=" + field + "]").value = on ? "0" : "1";
      var button = form.querySelector("button");
      button.textContent = on ? labels[1] : labels[0];
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function toggleRead(entry) { return toggle(entry, "mark-read", "read", "is-read", ["Mark read", "Mark unread"]); }
  function toggleStar(entry) { return toggle(entry, "mark-star", "starred", "is-starred", ["Star", "Unstar"]); }

  function markRead(entry) {
    if (!entry.classList.contains("is-read")) toggleRead(entry);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var entry = entries[current];
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o":
        if (entry && entry.dataset.link) { markRead(entry); window.open(entry.dataset.link, "_blank", "noopener"); }
        break;
      case "s": if (entry) toggleStar(entry); break;
      case "m": if (entry) toggleRead(entry); break;
      case "?":
        if (help) { if (help.open) help.close(); else help.showModal(); }
        break;
      default: return;
    }
    event.preventDefault();
  });

  entries.forEach(function (entry, index) {
    entry.addEventListener("click", function () { select(index); });
  });
})();
