// The queue's "select all" checkbox: added by this script only, so without JavaScript the
// table has no header checkbox that would do nothing. It ticks or clears every row's box and
// follows them (checked when all are, mixed when some are).
(function () {
  "use strict";
  var cell = document.getElementById("select-all-cell");
  if (!cell) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#bulk input[name='ids']"));
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  all.setAttribute("aria-label", "Select all comments");
  cell.textContent = "";
  cell.appendChild(all);
  function follow() {
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = ticked === boxes.length && ticked > 0;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    follow();
  });
  boxes.forEach(function (b) { b.addEventListener("change", follow); });
  follow();
})();
