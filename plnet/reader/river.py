"""The river: a member's entries, newest first, filtered, with keyset pagination.

A cursor is "<published_at ISO>|<id>" of the last entry shown; the next page holds entries strictly
older in (published_at, id) order, which the `entry_river` index serves without OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BigIntegerField, ExpressionWrapper, F, Q
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
