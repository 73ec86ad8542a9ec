"""Unread counts of a member's network: per source, person and folder, and in all.

A source's unread count is its entries minus the member's read marks on them. The two halves
are kept in the shared cache apart, each as {source id: n} under what it depends on:

- **Entries per source**, the same for every member, under the entries version: a token in the
  cache that `entries_changed` moves when a fetch stores new entries (at once and again after
  commit, so a count read while the entries were committing is never served afterwards).
- **Read marks per source**, per member, under the number of their `ReadMarksVersion` row. Every
  change of read marks goes through `changing_read_marks`, which locks that row first (one
  member's changes run one at a time), moves the number in the same transaction as the marks
  (the new number becomes visible exactly when the marks do), and stores the new tally, the old
  one with the change applied per source, under the new number before commit. So the page after
  a read mark finds its counts without counting again.

A tally lacking some followed sources (a new subscription, a tally lost from the cache) is
completed by counting only those sources, and stored only if its version did not move while
counting. A tally is never kept, or carried forward by marks, longer than COUNTS_SECONDS after
it was counted: the safety net for rows changed outside these functions (the admin deleting
entries). People and folders are summed in Python from the subscriptions. See
docs/decisions/0008-unread-counts-after-a-mark.md.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F

from plnet.reader.models import Entry, EntryState, ReadMarksVersion, Subscription

ENTRIES_VERSION = "reader:entries-version"
COUNTS_SECONDS = 600


@dataclass
class UnreadCounts:
    """A member's unread entries by source id, person id and folder id, and in all."""

    by_source: dict[int, int]
    by_person: dict[int, int]
    by_folder: dict[int, int]
    total: int


# --- versions --------------------------------------------------------------------------------


def _entries_version() -> str:
    value = cache.get(ENTRIES_VERSION)
    if value is None:  # a random token: a version lost from the cache never brings back a count
        cache.add(ENTRIES_VERSION, uuid.uuid4().hex, None)
        value = cache.get(ENTRIES_VERSION, "")
    return value


def _move_entries_version() -> None:
    cache.set(ENTRIES_VERSION, uuid.uuid4().hex, None)


def entries_changed() -> None:
    """Call after entries are added to any source (every follower's unread counts follow)."""
    _move_entries_version()
    transaction.on_commit(_move_entries_version)


def _marks_number(user_id: int) -> int:
    found = ReadMarksVersion.objects.filter(user_id=user_id).values_list("number", flat=True)
    return next(iter(found), 0)


def _totals_key(version: str) -> str:
    return f"reader:entries-by-source:{version}"


def _reads_key(user_id: int, number: int) -> str:
    return f"reader:read-by-source:{user_id}:{number}"


# --- the tallies -----------------------------------------------------------------------------


def _fresh(stored) -> tuple[float, dict[int, int]] | None:
    """A stored (counted at, {source id: n}) still young enough to use, else None."""
    if stored is None or time.time() - stored[0] >= COUNTS_SECONDS:
        return None
    return stored


def _store(key: str, counted_at: float, tally: dict[int, int]) -> None:
    remaining = COUNTS_SECONDS - (time.time() - counted_at)
    if remaining >= 1:
        cache.set(key, (counted_at, tally), int(remaining))


def _tally(
    key: str,
    source_ids: list[int],
    count: Callable[[list[int]], Mapping[int, int]],
    version: Callable[[], object],
    seen: object,
) -> dict[int, int]:
    """{source id: n} for `source_ids` from the cache entry `key` (made under version `seen`),
    counting with `count(ids)` only the sources it lacks; the completed tally is stored back only
    if `version()` still gives `seen` after counting (nothing committed meanwhile)."""
    counted_at, tally = _fresh(cache.get(key)) or (time.time(), {})
    missing = [s for s in source_ids if s not in tally]
    if not missing:
        return tally
    counted = count(missing)
    tally = {**tally, **{s: counted.get(s, 0) for s in missing}}
    if version() == seen:
        _store(key, counted_at, tally)
    return tally


def _count_entries(source_ids: list[int]) -> dict[int, int]:
    """Entries per source in one grouped query (the per-source index answers it)."""
    rows = (
        Entry.objects.filter(source_id__in=source_ids)
        .values("source_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("source_id", "n")
    )
    return dict(rows)


def _count_reads(user_id: int, source_ids: list[int]) -> dict[int, int]:
    """The member's read marks per source in one grouped query."""
    rows = (
        EntryState.objects.filter(user_id=user_id, read=True, entry__source_id__in=source_ids)
        .values("entry__source_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("entry__source_id", "n")
    )
    return dict(rows)


def unread_counts(user) -> UnreadCounts:
    """Count the member's unread entries: entries per followed source minus their read marks
    per source, each half from the shared cache when it is there (see the module docstring).
    Remembered on the user object for the rest of the request (the reader's nav and the river
    both show them) until the entries version moves or `changing_read_marks` changes the marks
    through that object. Persons and folders are summed from the subscriptions (a source is in a
    folder through its subscription's folder or its person's, as the river's folder filter reads
    it). Queries: 2 when both halves are cached, at most 5 when both are counted."""
    entries_version = _entries_version()
    memo = getattr(user, "_plnet_unread_counts", None)
    if memo is not None and memo[0] == entries_version:
        return memo[1]
    number = _marks_number(user.pk)
    subs = list(
        Subscription.objects.filter(user=user).values_list(
            "source_id", "person_id", "folder_id", "person__folder_id"
        )
    )
    source_ids = sorted({row[0] for row in subs})
    totals = _tally(
        _totals_key(entries_version), source_ids, _count_entries, _entries_version, entries_version
    )
    reads = _tally(
        _reads_key(user.pk, number),
        source_ids,
        lambda ids: _count_reads(user.pk, ids),
        lambda: _marks_number(user.pk),
        number,
    )
    by_source = {s: totals[s] - reads[s] for s in source_ids}
    counts = _roll_up(by_source, subs)
    user._plnet_unread_counts = (entries_version, counts)
    return counts


def _roll_up(by_source: dict[int, int], subs: list[tuple]) -> UnreadCounts:
    by_person: dict[int, int] = {}
    by_folder: dict[int, int] = {}
    for source_id, person_id, folder_id, person_folder_id in subs:
        n = by_source[source_id]
        if person_id is not None:
            by_person[person_id] = by_person.get(person_id, 0) + n
        for folder in {folder_id, person_folder_id} - {None}:
            by_folder[folder] = by_folder.get(folder, 0) + n
    return UnreadCounts(by_source, by_person, by_folder, sum(by_source.values()))


# --- changing read marks ---------------------------------------------------------------------


class ReadMarksChange:
    """What one transaction did to a member's read marks, per source (see changing_read_marks)."""

    def __init__(self) -> None:
        self.by_source: Counter[int] = Counter()

    def read(self, source_id: int, n: int = 1) -> None:
        """n entries of the source went from unread to read."""
        self.by_source[source_id] += n

    def unread(self, source_id: int, n: int = 1) -> None:
        """n entries of the source went from read to unread."""
        self.by_source[source_id] -= n


@contextmanager
def changing_read_marks(user) -> Iterator[ReadMarksChange]:
    """Wrap every change of a member's read marks, inside its transaction::

        with transaction.atomic(), changing_read_marks(user) as change:
            ...  # write EntryState rows, then change.read(source_id) / change.unread(source_id)

    On entry, locks the member's ReadMarksVersion row (created at 0 the first time), so the
    marks read inside are not changed by another request until commit. On a normal exit with
    changes, moves the number by one and stores the read-marks tally of the new number, the old
    tally plus the change (before commit: readers see the new number only with the new marks;
    a rolled-back number is used again by the next change, which overwrites its tally). When
    the old tally is not cached, or too old to carry forward, the new number's is removed instead
    and the next page counts. Raises TransactionManagementError outside a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("changing_read_marks needs a transaction")
    version, _ = ReadMarksVersion.objects.select_for_update().get_or_create(user_id=user.pk)
    change = ReadMarksChange()
    yield change
    moved = {s: n for s, n in change.by_source.items() if n}
    if not moved:
        return
    ReadMarksVersion.objects.filter(user_id=user.pk).update(number=F("number") + 1)
    old_key = _reads_key(user.pk, version.number)
    new_key = _reads_key(user.pk, version.number + 1)
    stored = _fresh(cache.get(old_key))
    if stored is None:
        cache.delete(new_key)
    else:
        counted_at, tally = stored
        tally = {s: n + moved.get(s, 0) for s, n in tally.items()}
        _store(new_key, counted_at, tally)
    transaction.on_commit(lambda: cache.delete(old_key))
    user.__dict__.pop("_plnet_unread_counts", None)


@transaction.atomic
def marks_changed(user_id: int) -> None:
    """For code that changed a member's read marks without `changing_read_marks`: move their
    number with no tally, so the next page counts their read marks again."""
    ReadMarksVersion.objects.select_for_update().get_or_create(user_id=user_id)
    ReadMarksVersion.objects.filter(user_id=user_id).update(number=F("number") + 1)
    cache.delete(_reads_key(user_id, _marks_number(user_id)))
