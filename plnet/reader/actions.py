"""What a member does with their network: read and star marks, sharing, OPML, API tokens.

Every function takes the member first and only ever touches that member's rows.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from plnet.core.html import render_markdown
from plnet.protocols.feeds import plain_text
from plnet.protocols.opml import OpmlError, Outline, parse_opml, write_opml
from plnet.reader.models import ApiToken, Entry, EntryState, Share, Source, Subscription
from plnet.reader.river import RiverFilter, newer_than, river_queryset
from plnet.reader.services import fetch_first_soon, folder_named
from plnet.reader.unread import changing_read_marks

# --- read and star -----------------------------------------------------------------------


def visible_entry(user, entry_id: int) -> Entry | None:
    """The entry if it belongs to a source the member follows, else None (missing = forbidden)."""
    return (
        Entry.objects.filter(pk=entry_id, source__subscriptions__user=user)
        .select_related("source")
        .first()
    )


@transaction.atomic
def set_marks(
    user, entry: Entry, *, read: bool | None = None, starred: bool | None = None
) -> EntryState:
    """Set the member's read and/or starred marks on an entry (None leaves a mark as it is);
    the unread counts follow the read mark in place."""
    with changing_read_marks(user) as change:
        state, _ = EntryState.objects.get_or_create(user=user, entry=entry)
        if read is not None and read != state.read:
            (change.read if read else change.unread)(entry.source_id)
            state.read = read
        if starred is not None:
            state.starred = starred
        state.changed_at = timezone.now()
        state.save()
    return state


@transaction.atomic
def mark_all_read(user, f: RiverFilter, up_to: tuple | None) -> int:
    """Mark the entries of the filtered river as read "up to here": with `up_to`, the
    (published_at, id) cursor of the last entry shown, the entries above it in the newest-first
    river (the pages the member scrolled through) and that entry itself; the older ones, not yet
    seen, stay unread, as Miniflux's "Mark this page as read" and Google Reader's "mark all as
    read up to here" do. With `up_to` None, every entry of the filter. Returns how many changed
    from unread to read; the unread counts follow in place.
    """
    with changing_read_marks(user) as change:
        qs = river_queryset(user, RiverFilter(**{**f.__dict__, "unread": True, "after": None}))
        if up_to:
            qs = newer_than(qs, *up_to, inclusive=True)
        rows = list(qs.values_list("id", "source_id"))
        now = timezone.now()
        for start in range(0, len(rows), 500):
            chunk = [entry_id for entry_id, _ in rows[start : start + 500]]
            EntryState.objects.filter(user=user, entry_id__in=chunk).update(
                read=True, changed_at=now
            )
            have = set(
                EntryState.objects.filter(user=user, entry_id__in=chunk).values_list(
                    "entry_id", flat=True
                )
            )
            EntryState.objects.bulk_create(
                [
                    EntryState(user=user, entry_id=i, read=True, changed_at=now)
                    for i in chunk
                    if i not in have
                ]
            )
        for source_id, n in Counter(source_id for _, source_id in rows).items():
            change.read(source_id, n)
    return len(rows)


# --- sharing -----------------------------------------------------------------------------


def share_body(entry: Entry, note: str, via_name: str) -> str:
    """The bookmark post's HTML: the note (Markdown, sanitised), then an h-cite u-bookmark-of link
    to the original and a "via" line."""
    parts = [render_markdown(note)] if note.strip() else []
    title = escape(entry.title or entry.link)
    cite = f'<p class="h-cite u-bookmark-of"><a class="u-url p-name" href="{escape(entry.link)}">{title}</a>'
    if entry.source.title:
        cite += f' <span class="p-publication">({escape(entry.source.title)})</span>'
    parts.append(cite + "</p>")
    if via_name:
        parts.append(f'<p class="via">via {escape(via_name)}</p>')
    return "\n".join(parts)


SHARE_TITLE_CHARS = 70


class AlreadyShared(ValueError):
    """The member shared this entry before; `share` is the latest such Share (with a post)."""

    def __init__(self, share: Share):
        super().__init__("you already shared this entry")
        self.share = share


def latest_share(user, entry: Entry) -> Share | None:
    """The member's latest share of the entry whose post still exists, or None."""
    return (
        Share.objects.filter(user=user, entry=entry, post__isnull=False)
        .select_related("post")
        .order_by("-created_at")
        .first()
    )


def share_title(entry: Entry) -> str:
    """The title of the bookmark post: the entry's title; for an untitled entry (a note), the
    start of its text cut at a word (at most SHARE_TITLE_CHARS, with "…"); with no text either,
    the source's title and the entry's date ("Ton's notes, 3 May 2024")."""
    if entry.title.strip():
        return entry.title.strip()[:500]
    text = " ".join((entry.excerpt or plain_text(entry.content_html or "")).split())
    if text:
        if len(text) <= SHARE_TITLE_CHARS:
            return text
        cut = text[: SHARE_TITLE_CHARS - 1]  # room for the "…"
        if text[SHARE_TITLE_CHARS - 1] != " " and " " in cut:
            cut = cut.rsplit(" ", 1)[0]  # the last word was cut: leave it out
        return cut.rstrip(" ,;:.-–—") + "…"
    when = date_format(timezone.localtime(entry.published_at), "j M Y")
    return f"{entry.source.title or entry.source.host}, {when}"


@transaction.atomic
def share_entry(
    user, entry: Entry, note: str = "", *, draft: bool = False, again: bool = False
) -> Share:
    """Make a bookmark post of the entry with the member's note and "via <person>", and record
    the Share. The post is published through `plnet.publishing.services.publish_post` (or kept
    as a draft with `draft=True`), so it gets a unique slug from its title (`share_title`), goes
    out in the site's feeds, and after commit its `on_post_published` hook sends Webmentions to
    the original. Raises AlreadyShared when the member shared the entry before (unless `again`),
    ValueError when the entry has no link to bookmark.
    """
    from plnet.publishing.models import Post
    from plnet.publishing.services import publish_post, save_draft

    if not entry.link:
        raise ValueError("this entry has no link to share")
    previous = None if again else latest_share(user, entry)
    if previous is not None:
        raise AlreadyShared(previous)
    subscription = (
        Subscription.objects.filter(user=user, source=entry.source).select_related("person").first()
    )
    person = subscription.person if subscription else None
    via_name = person.name if person else (entry.source.title or "")
    post = Post(
        post_type=Post.PostType.POST,
        title=share_title(entry),
        body=share_body(entry, note, via_name),
        body_format=Post.BodyFormat.HTML,
        author=user,
    )
    (save_draft if draft else publish_post)(post)
    return Share.objects.create(user=user, entry=entry, post=post, note=note, via=person)


# --- OPML --------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """What an OPML import did: subscriptions added, outlines skipped (with why), folders made."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    linked_lists: list[str] = field(default_factory=list)
    warning: str = ""
    # The folder of each added source that went into one (url -> folder name).
    added_to_folder: dict[str, str] = field(default_factory=dict)
    # Ids of the sources newly followed, and how many of them (never fetched) were queued.
    added_sources: list[int] = field(default_factory=list)
    queued: int = 0

    SKIPS_SHOWN = 3

    def __str__(self) -> str:
        """One paragraph for a person: "Added 12 sources in 3 folders; 2 already followed;
        1 skipped: <url> (<reason>)." and what else they should know."""
        parts = [self._added()]
        if self.already:
            parts.append(f"{len(self.already)} already followed")
        if self.skipped:
            shown = ", ".join(f"{url} ({why})" for url, why in self.skipped[: self.SKIPS_SHOWN])
            more = len(self.skipped) - self.SKIPS_SHOWN
            parts.append(
                f"{len(self.skipped)} skipped: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        if self.linked_lists:
            parts.append(_count(len(self.linked_lists), "other list") + " linked, not followed")
        text = "; ".join(parts) + "."
        if self.queued:
            text += (
                f" {_count(self.queued, 'new source')} queued: the first fetch happens within "
                "a minute, and their entries then appear in your river."
            )
        if self.warning:
            text += f" The file was repaired while reading it: {self.warning}."
        return text

    def _added(self) -> str:
        if not self.added:
            return "No new sources added"
        text = "Added " + _count(len(self.added), "source")
        in_folders = len(self.added_to_folder)
        folders = _count(len(set(self.added_to_folder.values())), "folder")
        if in_folders == len(self.added):
            return f"{text} in {folders}"
        if in_folders:
            return f"{text}, {in_folders} of them in {folders}"
        return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@transaction.atomic
def import_opml(user, content: bytes) -> ImportSummary:
    """Import an OPML subscription list: folders kept, duplicates merged. Nothing is fetched
    during the request: the first fetch of every source never fetched before is enqueued after
    commit (`services.fetch_first_soon`), so the worker starts on them at once instead of at its
    next tick, and the summary says so. All or nothing: raises OpmlError (a clear sentence)
    before writing anything when the file is not a list.
    """
    from plnet.core.http import InvalidURL, check_url

    doc = parse_opml(content)
    if not doc.outlines and not doc.linked_lists:
        raise OpmlError("no subscriptions found in this file (no outline has an xmlUrl)")
    summary = ImportSummary(linked_lists=list(doc.linked_lists), warning=doc.warning)
    seen: set[str] = set()
    for outline in doc.outlines:
        url = outline.url
        if url in seen:
            summary.skipped.append((url, "listed twice in the file"))
            continue
        seen.add(url)
        try:
            check_url(url)
        except InvalidURL as exc:
            summary.skipped.append((url, str(exc)))
            continue
        _import_one(user, outline, summary)
    summary.queued = fetch_first_soon(summary.added_sources)
    return summary


def _import_one(user, outline: Outline, summary: ImportSummary) -> None:
    source, _ = Source.objects.get_or_create(
        url=outline.url[:2000],
        defaults={"title": outline.title[:500], "site_url": outline.html_url[:2000]},
    )
    folder = folder_named(user, outline.folder)
    if folder and folder.name not in summary.folders:
        summary.folders.append(folder.name)
    _, created = Subscription.objects.get_or_create(
        user=user, source=source, defaults={"folder": folder, "title": outline.title[:500]}
    )
    (summary.added if created else summary.already).append(outline.url)
    if created:
        summary.added_sources.append(source.pk)
    if created and folder:
        summary.added_to_folder[outline.url] = folder.name


def export_opml(user) -> bytes:
    """The member's subscriptions as OPML 2.0 (folder of the subscription, else of its person)."""
    subs = Subscription.objects.filter(user=user).select_related(
        "source", "folder", "person__folder"
    )
    outlines = []
    for s in subs.order_by("folder__name", "source__title", "source__url"):
        folder = s.folder or (s.person.folder if s.person else None)
        outlines.append(
            Outline(
                url=s.source.url,
                title=s.display_title,
                html_url=s.source.site_url,
                folder=folder.name if folder else "",
            )
        )
    name = getattr(user, "public_name", user.get_username())
    return write_opml(outlines, title=f"{name}'s subscriptions (plnet)", owner_name=name)


# --- API tokens --------------------------------------------------------------------------


def create_token(user, name: str = "") -> tuple[ApiToken, str]:
    """Make a new API token for the member; returns the row and the token (shown only now)."""
    token = "plnet_" + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name[:200], token_hash=ApiToken.hash(token), prefix=token[6:14]
    )
    return row, token


def user_for_token(token: str):
    """The active member a bearer token belongs to, else None. Records when it was last used."""
    if not token:
        return None
    row = ApiToken.objects.matching(token).select_related("user").first()
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user
