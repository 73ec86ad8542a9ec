"""Pages of the reader (all for signed-in members, each showing only the member's own network).

Every action is a plain form POST that redirects back, so the reader works without JavaScript;
reader.js adds keyboard shortcuts and sends the same forms in the background.
"""

from __future__ import annotations

import html

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from plnet.core.ids import parse_id
from plnet.protocols.opml import OpmlError
from plnet.reader import actions, services
from plnet.reader.forms import (
    FolderForm,
    OpmlUploadForm,
    PersonForm,
    ShareForm,
    SubscribeForm,
    SubscriptionForm,
    TokenForm,
)
from plnet.reader.models import ApiToken, Folder, Person, Subscription
from plnet.reader.river import (
    BadFilter,
    RiverFilter,
    RiverPage,
    no_such,
    parse_cursor,
    river,
)
from plnet.reader.unread import unread_counts


def _back(request, default: str = "reader:river"):
    """Redirect to the `next` field when it is a path on this site, else to the `default` view.

    `next` is sent back as a URL, never given to redirect() (which would try any other value,
    "abc" or "-1", as a view name and fail with NoReverseMatch).
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)


def _posted_id(request, name: str) -> int | None:
    """The POST field `name` as a database id, None when it is not one (absent, "abc", "-1")."""
    return parse_id(request.POST.get(name, "").strip())


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _source_options(user, selected: int | None, unread: dict[int, int]) -> str:
    """The <option>s of the river's source filter, built here rather than in a template loop:
    a network of 500 sources would otherwise cost more to render than the river itself.
    Every title is escaped (html.escape, quotes included); ids and unread counts are integers."""
    rows = Subscription.objects.filter(user=user).values_list(
        "source_id", "title", "source__title", "source__url"
    )
    choices = sorted(
        ((sid, t or ft or url) for sid, t, ft, url in rows), key=lambda c: c[1].lower()
    )
    return mark_safe(  # noqa: S308 - built from escaped titles and integers only
        "".join(
            f'<option value="{int(sid)}"{" selected" if sid == selected else ""}>'
            f"{html.escape(title)}{_count(unread.get(sid, 0))}</option>"
            for sid, title in choices
        )
    )


def _count(unread: int) -> str:
    """ " (3 unread)" after a filter choice, nothing when all is read."""
    return f" ({int(unread)} unread)" if unread else ""


def _unknown_filter(user, f: RiverFilter, people: list, folders: list) -> str:
    """A sentence when the filter names a person, folder or source that is not the member's."""
    if f.person is not None and f.person not in {p.pk for p in people}:
        return no_such("person", f.person)
    if f.folder is not None and f.folder not in {x.pk for x in folders}:
        return no_such("folder", f.folder)
    if (
        f.source is not None
        and not Subscription.objects.filter(user=user, source_id=f.source).exists()
    ):
        return no_such("source", f.source)
    return ""


@login_required
@require_safe
def river_view(request):
    people = list(Person.objects.filter(user=request.user))
    folders = list(Folder.objects.filter(user=request.user))
    try:
        f = RiverFilter.from_params(request.GET)
        error = _unknown_filter(request.user, f, people, folders)
    except BadFilter as exc:
        f, error = RiverFilter(), str(exc)
    if error:
        return _river_page(request, RiverPage([]), RiverFilter(), people, folders, error)
    return _river_page(request, river(request.user, f), f, people, folders)


def _river_page(request, page: RiverPage, f: RiverFilter, people, folders, error: str = ""):
    """The river page; with `error` (a filter that cannot be read), that sentence, no entries
    and status 400."""
    params = request.GET.copy()
    params.pop("after", None)
    unread = unread_counts(request.user)
    for person in people:
        person.unread = unread.by_person.get(person.pk, 0)
    for folder in folders:
        folder.unread = unread.by_folder.get(folder.pk, 0)
    return render(
        request,
        "reader/river.html",
        {
            "page": page,
            "filter": f,
            "filter_error": error,
            "filter_query": "" if error else params.urlencode(),
            "people": people,
            "folders": folders,
            "unread_total": unread.total,
            "source_options": _source_options(request.user, f.source, unread.by_source),
            "entry_base": reverse("reader:river") + "entries/",  # + id + "/" or "/mark/"
            "here": request.get_full_path(),
            "up_to": f"{page.entries[-1].published_at.isoformat()}|{page.entries[-1].pk}"
            if page.entries
            else "",
        },
        status=400 if error else 200,
    )


@login_required
def entry_view(request, entry_id: int):
    entry = actions.visible_entry(request.user, entry_id)
    if entry is None:
        raise Http404
    previous = actions.latest_share(request.user, entry)
    form = ShareForm(request.POST or None, shared_before=previous is not None)
    if request.method == "POST" and form.is_valid():
        draft = "save_draft" in request.POST
        try:
            share = actions.share_entry(
                request.user,
                entry,
                form.cleaned_data["note"],
                draft=draft,
                again=form.cleaned_data.get("again", False),
            )
        except actions.AlreadyShared as exc:
            previous = exc.share  # shared meanwhile (another tab): the page now says so
            form = ShareForm(request.POST, shared_before=True)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            if draft:
                messages.success(request, "Saved as a draft: publish it when it is ready.")
                return redirect("publishing:edit", share.post.pk)
            messages.success(request, "Shared to your stream.")
            return redirect(share.post.get_absolute_url())
    if request.method == "GET":
        actions.set_marks(request.user, entry, read=True)
    subscription = Subscription.objects.filter(user=request.user, source=entry.source).first()
    context = {"entry": entry, "form": form, "subscription": subscription, "previous": previous}
    if previous is not None:
        post = previous.post
        context["previous_url"] = (
            post.get_absolute_url()
            if post.is_public
            else reverse("publishing:edit", args=[post.pk])
        )
    return render(request, "reader/entry.html", context)


@login_required
@require_POST
def entry_mark(request, entry_id: int):
    """Set read/starred from form fields `read`/`starred` ("1"/"0"); absent fields are kept."""
    entry = actions.visible_entry(request.user, entry_id)
    if entry is None:
        raise Http404
    marks = {k: request.POST[k] == "1" for k in ("read", "starred") if k in request.POST}
    state = actions.set_marks(request.user, entry, **marks)
    if _wants_json(request):
        return JsonResponse({"id": entry.pk, "read": state.read, "starred": state.starred})
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    try:
        f = RiverFilter.from_params(request.POST)
        up_to = parse_cursor(request.POST.get("up_to", ""))
    except BadFilter as exc:
        people = list(Person.objects.filter(user=request.user))
        folders = list(Folder.objects.filter(user=request.user))
        return _river_page(request, RiverPage([]), RiverFilter(), people, folders, str(exc))
    count = actions.mark_all_read(request.user, f, up_to)
    messages.success(request, f"Marked {count} {'entry' if count == 1 else 'entries'} as read.")
    return _back(request)


@login_required
def sources_view(request):
    """The member's sources, each with its unread count (the river's, read from the cache)."""
    subs = list(
        Subscription.objects.filter(user=request.user)
        .select_related("source", "person", "folder")
        .order_by("folder__name", "source__title")
    )
    unread = unread_counts(request.user).by_source
    for sub in subs:
        sub.unread = unread.get(sub.source_id, 0)
    return render(
        request,
        "reader/sources.html",
        {
            "subscriptions": subs,
            "undo": request.session.pop(UNFOLLOW_UNDO_KEY, None),
            "subscribe_form": SubscribeForm(),
            "opml_form": OpmlUploadForm(),
        },
    )


@login_required
@require_POST
def subscribe_view(request):
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the address of a feed or of a site.")
        return redirect("reader:sources")
    data = form.cleaned_data
    try:
        sub = services.subscribe(
            request.user,
            data["url"],
            person=services.person_named(request.user, data["person"]),
            folder=services.folder_named(request.user, data["folder"]),
        )
    except services.SubscribeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _followed(sub))
    return redirect("reader:sources")


def _followed(sub: Subscription) -> str:
    """What following did: "You now follow X.", "You already follow X.", or "You already follow
    X; moved it to the person Doug (was Ada) and to the folder Blogs (was no folder)."."""
    if sub.created:
        return f"You now follow {sub.display_title}."
    moves = [
        f"to the {field} {new.name} (was {old.name if old else f'no {field}'})"
        for field, old, new in sub.changes
    ]
    moved = f"; moved it {' and '.join(moves)}" if moves else ""
    return f"You already follow {sub.display_title}{moved}."


def _subscription(request, pk: int) -> Subscription:
    return get_object_or_404(
        Subscription.objects.select_related("source"), pk=pk, user=request.user
    )


@login_required
def subscription_view(request, pk: int):
    sub = _subscription(request, pk)
    form = SubscriptionForm(request.POST or None, instance=sub, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("reader:sources")
    return render(request, "reader/subscription.html", {"sub": sub, "form": form})


UNFOLLOW_UNDO_KEY = "plnet_reader_unfollow_undo"


@login_required
@require_POST
def unsubscribe(request, pk: int):
    """Unfollow at once, as WordPress trashes, and offer Undo: the Sources page shows the
    button once (the session carries what `services.resubscribe` needs)."""
    sub = _subscription(request, pk)
    name = sub.display_title
    request.session[UNFOLLOW_UNDO_KEY] = {**services.unsubscribe(sub), "name": name}
    messages.success(request, f"You no longer follow {name}.")
    return redirect("reader:sources")


@login_required
@require_POST
def unsubscribe_undo(request):
    """The Undo button after Unfollow: its fields (source, title, person, folder ids) say what
    to put back; person and folder are restored only when they are still the member's."""
    source = _posted_id(request, "source")
    kept = {
        "source": source,
        "title": request.POST.get("title", ""),
        "person": _posted_id(request, "person"),
        "folder": _posted_id(request, "folder"),
    }
    sub = services.resubscribe(request.user, kept) if source else None
    if sub is None:
        messages.error(request, "Nothing to undo: that source is no longer here.")
    else:
        messages.success(request, f"You follow {sub.display_title} again.")
    return redirect("reader:sources")


@login_required
@require_POST
def refresh(request, pk: int):
    sub = _subscription(request, pk)
    services.refresh_now(sub.source)
    messages.success(request, f"{sub.display_title} will be fetched in a moment.")
    return _back(request, "reader:sources")


@login_required
def people_view(request):
    form = PersonForm(request.POST or None, instance=Person(user=request.user), user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Added {form.instance.name}.")
        return redirect("reader:people")
    people = Person.objects.filter(user=request.user).prefetch_related("subscriptions__source")
    return render(request, "reader/people.html", {"people": people, "form": form})


@login_required
def person_view(request, pk: int):
    person = get_object_or_404(Person, pk=pk, user=request.user)
    if request.method == "POST" and request.POST.get("delete"):
        person.delete()
        messages.success(request, f"Removed {person.name} (their sources are still followed).")
        return redirect("reader:people")
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("reader:people")
    return render(request, "reader/person.html", {"person": person, "form": form})


@login_required
def folders_view(request):
    form = FolderForm(request.POST or None, instance=Folder(user=request.user))
    status = 200
    if request.method == "POST":
        if "delete" in request.POST:
            folder_id = _posted_id(request, "delete")
            deleted = folder_id and Folder.objects.filter(pk=folder_id, user=request.user).delete()
            if deleted and deleted[0]:
                messages.success(request, "Folder removed (its sources are still followed).")
                return redirect("reader:folders")
            messages.error(request, "There is no such folder to remove.")
            form, status = FolderForm(instance=Folder(user=request.user)), 400
        elif form.is_valid():
            form.save()
            return redirect("reader:folders")
        else:
            status = 400
    folders = Folder.objects.filter(user=request.user)
    return render(request, "reader/folders.html", {"folders": folders, "form": form}, status=status)


@login_required
@require_POST
def opml_import(request):
    form = OpmlUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", ["Choose an OPML file."])))
        return redirect("reader:sources")
    try:
        summary = actions.import_opml(request.user, form.cleaned_data["file"].read())
    except OpmlError as exc:
        messages.error(request, f"Nothing was imported: {exc}.")
    else:
        messages.success(request, f"OPML import: {summary}")
    return redirect("reader:sources")


@login_required
@require_safe
def opml_export(request):
    response = HttpResponse(
        actions.export_opml(request.user), content_type="text/x-opml; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="subscriptions.opml"'
    return response


@login_required
def settings_view(request):
    form = TokenForm(request.POST or None)
    new_token, status = "", 200
    if request.method == "POST":
        if "revoke" in request.POST:
            token_id = _posted_id(request, "revoke")
            revoked = token_id and ApiToken.objects.filter(pk=token_id, user=request.user).delete()
            if revoked and revoked[0]:
                messages.success(request, "Token revoked.")
                return redirect("reader:settings")
            messages.error(request, "There is no such token to revoke.")
            form, status = TokenForm(), 400
        elif form.is_valid():
            _, new_token = actions.create_token(request.user, form.cleaned_data["name"])
            form = TokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "reader/settings.html",
        {"form": form, "tokens": tokens, "new_token": new_token, "api_url": reverse("api:entries")},
        status=status,
    )
