"""The river: a member's entries, newest first, filtered, with keyset pagination.

A cursor is "<published_at ISO>|<id>" of the last entry shown; the next page holds entries strictly
older in (published_at, id) order, which the `entry_river` index serves without OFFSET.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q
from django.utils.dateparse import parse_datetime

from plnet.core.ids import parse_id
from plnet.reader import search
from plnet.reader.models import Entry, EntryState, Subscription

PAGE_SIZE = 50


class BadFilter(ValueError):
    """A filter or cursor value that cannot be read; str() names it."""


@dataclass
class RiverFilter:
    """What the member asked to see. Ids are the member's own; `since` is an aware datetime."""

    source: int | None = None
    person: int | None = None
    folder: int | None = None
    unread: bool | None = None
    starred: bool | None = None
    q: str = ""
    since: datetime | None = None
    after: tuple[datetime, int] | None = None

    @classmethod
    def from_params(cls, params) -> RiverFilter:
        """Read query parameters (a QueryDict or dict). Raises BadFilter naming the parameter."""
        return cls(
            source=_int(params, "source"),
            person=_int(params, "person"),
            folder=_int(params, "folder"),
            unread=_bool(params, "unread"),
            starred=_bool(params, "starred"),
            q=(params.get("q") or "").strip()[:200],
            since=_date(params, "since"),
            after=parse_cursor(params.get("after") or ""),
        )


def _int(params, name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise BadFilter(no_such(name, raw))
    return value


def no_such(name: str, raw) -> str:
    """The sentence for a source/person/folder id that is not one of the member's."""
    return f"There is no such {name} in your reader ({name}={str(raw)[:50]})."


def _bool(params, name: str) -> bool | None:
    raw = (params.get(name) or "").strip().lower()
    if raw in {"", "any"}:
        return None
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise BadFilter(f"The {name} filter must be true or false, not {raw[:50]!r}.")


def _date(params, name: str) -> datetime | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        when = parse_datetime(raw.replace(" ", "+"))
    except ValueError:  # well formed but impossible, such as month 13
        when = None
    if when is None or when.tzinfo is None:
        raise BadFilter(
            f"{name} must be an ISO 8601 date and time with a time zone, "
            f"such as 2024-05-01T08:00:00Z (not {raw[:50]!r})."
        )
    return when


def make_cursor(entry: Entry) -> str:
    return f"{entry.published_at.isoformat()}|{entry.pk}"


def parse_cursor(raw: str) -> tuple[datetime, int] | None:
    """Read a cursor made by make_cursor; raises BadFilter when it is not one."""
    if not raw:
        return None
    when, _, pk = raw.replace(" ", "+").rpartition("|")
    try:
        parsed = parse_datetime(when) if when else None
    except ValueError:
        parsed = None
    if parsed is None or parse_id(pk) is None:
        raise BadFilter(
            "This page link is broken or out of date (after= is not a cursor from a previous "
            "page): start again from the newest entries."
        )
    return parsed, parse_id(pk)


@dataclass
class RiverPage:
    """A page of entries, each with `.subscription`, `.is_read` and `.is_starred` set."""

    entries: list[Entry]
    next_cursor: str = ""


def followed_sources(user, f: RiverFilter):
    """Subquery of the source ids the member follows, narrowed by source, person and folder."""
    subs = Subscription.objects.filter(user=user)
    if f.source is not None:
        subs = subs.filter(source_id=f.source)
    if f.person is not None:
        subs = subs.filter(person_id=f.person)
    if f.folder is not None:
        subs = subs.filter(Q(folder_id=f.folder) | Q(person__folder_id=f.folder))
    return subs.values("source_id")


def river_queryset(user, f: RiverFilter):
    """The filtered Entry queryset of a member's river (not yet ordered or sliced)."""
    sources = followed_sources(user, f)
    if f.source is None and f.person is None and f.folder is None:
        # The whole river: "source_id + 0" keeps SQLite from picking the per-source index and
        # sorting every entry; it walks the (published_at, id) index newest first instead and
        # stops after one page. Narrow filters keep the per-source index, which suits them.
        unindexed = ExpressionWrapper(F("source_id") + 0, output_field=BigIntegerField())
        qs = Entry.objects.alias(followed_source=unindexed).filter(followed_source__in=sources)
    else:
        qs = Entry.objects.filter(source_id__in=sources)
    states = EntryState.objects.filter(user=user)
    if f.unread is True:
        qs = qs.exclude(id__in=states.filter(read=True).values("entry_id"))
    elif f.unread is False:
        qs = qs.filter(id__in=states.filter(read=True).values("entry_id"))
    if f.starred is not None:
        starred = Q(id__in=states.filter(starred=True).values("entry_id"))
        qs = qs.filter(starred if f.starred else ~starred)
    if f.since:
        qs = qs.filter(published_at__gte=f.since)
    if f.q:
        qs = search.matching(qs, f.q)
    return qs


def older_than(qs, when: datetime, pk: int, *, inclusive: bool = False):
    """Entries after the cursor (when, pk) in newest-first order; written as a range on
    published_at plus a small exclusion, so the (published_at, id) index serves it."""
    qs = qs.filter(published_at__lte=when)
    if inclusive:
        return qs.exclude(published_at=when, id__gt=pk)
    return qs.exclude(published_at=when, id__gte=pk)


def newer_than(qs, when: datetime, pk: int, *, inclusive: bool = False):
    """Entries before the cursor (when, pk) in newest-first order (those shown above it); with
    `inclusive`, the cursor's entry too. The mirror of `older_than`, also a range on
    published_at plus a small exclusion."""
    qs = qs.filter(published_at__gte=when)
    if inclusive:
        return qs.exclude(published_at=when, id__lt=pk)
    return qs.exclude(published_at=when, id__lte=pk)


def river(user, f: RiverFilter, *, limit: int = PAGE_SIZE) -> RiverPage:
    """One page of the member's river, newest first, after `f.after` when given."""
    qs = river_queryset(user, f)
    if f.after:
        qs = older_than(qs, *f.after)
    newest = qs.order_by("-published_at", "-id").select_related("source").defer("content_html")
    entries = list(newest[: limit + 1])
    more = len(entries) > limit
    entries = entries[:limit]
    ids = [e.pk for e in entries]
    marks = {s.entry_id: s for s in EntryState.objects.filter(user=user, entry_id__in=ids)}
    subs = {
        s.source_id: s
        for s in Subscription.objects.filter(
            user=user, source_id__in={e.source_id for e in entries}
        )
        .select_related("source", "person", "folder")
        .only("source_id", "title", "source__title", "source__url", "person__name", "folder__name")
    }
    for entry in entries:
        entry.headline = entry.title or _shorten(entry.excerpt) or "(untitled)"
        entry.subscription = subs.get(entry.source_id)
        mark = marks.get(entry.pk)
        entry.is_read = bool(mark and mark.read)
        entry.is_starred = bool(mark and mark.starred)
    return RiverPage(entries, make_cursor(entries[-1]) if more else "")


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class UnreadCounts:
    """A member's unread entries by source id, person id and folder id, and in all."""

    by_source: dict[int, int]
    by_person: dict[int, int]
    by_folder: dict[int, int]
    total: int


# Unread counts are kept in the shared cache under what they depend on: the member's read marks
# (a version `marks_changed` moves), the entries stored (a version `entries_changed` moves) and
# the set of sources the member follows (part of the key). A version is a random token, so a
# version lost from the cache can never bring back an old count.
ENTRIES_VERSION = "reader:entries-version"
COUNTS_SECONDS = 600


def _marks_version_key(user_id: int) -> str:
    return f"reader:marks-version:{user_id}"


def _version(key: str) -> str:
    value = cache.get(key)
    if value is None:
        cache.add(key, uuid.uuid4().hex, None)
        value = cache.get(key, "")
    return value


def _move(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, None)


def _move_now_and_after_commit(key: str) -> None:
    """Move a version at once and again after commit, so that a count read while the change
    was committing is never served afterwards."""
    _move(key)
    transaction.on_commit(lambda: _move(key))


def marks_changed(user_id: int) -> None:
    """Call after a member's read marks change (unread counts follow)."""
    _move_now_and_after_commit(_marks_version_key(user_id))


def entries_changed() -> None:
    """Call after entries are added to any source (every follower's unread counts follow)."""
    _move_now_and_after_commit(ENTRIES_VERSION)


def unread_counts(user) -> UnreadCounts:
    """Count the member's unread entries (see `_unread_by_source`), kept in the shared cache
    until a read mark or a new entry changes them, and remembered on the user object for the
    rest of the request (the reader's nav and the river both show them). Persons and folders
    are summed here from the subscriptions (a source is in a folder through its subscription's
    folder or its person's, as the river's folder filter reads it)."""
    versions = (_version(_marks_version_key(user.pk)), _version(ENTRIES_VERSION))
    memo = getattr(user, "_plnet_unread_counts", None)
    if memo is not None and memo[0] == versions:
        return memo[1]
    subs = list(
        Subscription.objects.filter(user=user).values_list(
            "source_id", "person_id", "folder_id", "person__folder_id"
        )
    )
    source_ids = sorted({row[0] for row in subs})
    followed = hashlib.sha256(",".join(map(str, source_ids)).encode()).hexdigest()[:32]
    key = ":".join(["reader:unread", str(user.pk), *versions, followed])
    by_source = cache.get(key)
    if by_source is None:
        by_source = _unread_by_source(user, source_ids)
        cache.set(key, by_source, COUNTS_SECONDS)
    by_person: dict[int, int] = {}
    by_folder: dict[int, int] = {}
    for source_id, person_id, folder_id, person_folder_id in subs:
        n = by_source.get(source_id, 0)
        if person_id is not None:
            by_person[person_id] = by_person.get(person_id, 0) + n
        for folder in {folder_id, person_folder_id} - {None}:
            by_folder[folder] = by_folder.get(folder, 0) + n
    counts = UnreadCounts(by_source, by_person, by_folder, sum(by_source.values()))
    user._plnet_unread_counts = (versions, counts)
    return counts


def _unread_by_source(user, source_ids: list[int]) -> dict[int, int]:
    """{source id: unread entries} in two grouped queries whatever the network's size: entries
    per followed source (the per-source index answers it) minus the member's read marks per
    source. Subtracting is much cheaper than testing every entry for a read mark."""
    totals = (
        Entry.objects.filter(source_id__in=source_ids)
        .values("source_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("source_id", "n")
    )
    read = (
        EntryState.objects.filter(user=user, read=True, entry__source_id__in=source_ids)
        .values("entry__source_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("entry__source_id", "n")
    )
    by_source = dict(totals)
    for source_id, n in read:
        by_source[source_id] = by_source.get(source_id, 0) - n
    return by_source
