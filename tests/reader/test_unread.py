"""Unread counts (plnet/reader/unread.py): after every kind of change, the counts equal a count
made here from the rows (entries in Python minus read marks in Python, rolled up to people and
folders by hand), and the page after a read mark takes its counts from the cache (no counting
query, the same number of queries as a page with nothing changed)."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plnet.protocols.feeds import parse_feed
from plnet.reader import unread
from plnet.reader.actions import mark_all_read, set_marks
from plnet.reader.models import (
    Entry,
    EntryState,
    Folder,
    Person,
    ReadMarksVersion,
    Source,
    Subscription,
)
from plnet.reader.river import RiverFilter
from plnet.reader.services import store_entries
from tests.reader.conftest import corpus_bytes

pytestmark = pytest.mark.django_db

BASE = datetime(2024, 1, 1, tzinfo=UTC)
WP_RSS = "feeds/wordpress-peer/wp-peer-rss2.xml"


@pytest.fixture
def network(member, other_member):
    """Three sources: A under Doug (folder Edtech), B in folder Edtech directly, C on its own;
    6, 4 and 3 entries. Bob follows B too and has read all of it."""
    edtech = Folder.objects.create(user=member, name="Edtech")
    doug = Person.objects.create(user=member, name="Doug", folder=edtech)
    sources = {}
    for name, n in (("a", 6), ("b", 4), ("c", 3)):
        source = Source.objects.create(url=f"https://{name}.example/feed", title=name.upper())
        sources[name] = source
        Entry.objects.bulk_create(
            Entry(source=source, dedup_key=f"{name}{i}", title=f"{name} {i}",
                  published_at=BASE + timedelta(hours=i, minutes=source.pk))
            for i in range(n)
        )  # fmt: skip
    Subscription.objects.create(user=member, source=sources["a"], person=doug)
    Subscription.objects.create(user=member, source=sources["b"], folder=edtech)
    Subscription.objects.create(user=member, source=sources["c"])
    Subscription.objects.create(user=other_member, source=sources["b"])
    for entry in Entry.objects.filter(source=sources["b"]):
        EntryState.objects.create(user=other_member, entry=entry, read=True)
    return {**sources, "doug": doug, "edtech": edtech}


def expected(user) -> dict:
    """The counts made from the rows, without the code under test: every entry of a followed
    source that has no read mark of this member, grouped by hand."""
    read = {s.entry_id for s in EntryState.objects.filter(user=user) if s.read}
    by_source, by_person, by_folder = {}, {}, {}
    for sub in Subscription.objects.filter(user=user).select_related("person"):
        n = sum(1 for e in Entry.objects.filter(source=sub.source_id) if e.pk not in read)
        by_source[sub.source_id] = n
        if sub.person_id:
            by_person[sub.person_id] = by_person.get(sub.person_id, 0) + n
        folders = {sub.folder_id, sub.person.folder_id if sub.person else None} - {None}
        for folder in folders:
            by_folder[folder] = by_folder.get(folder, 0) + n
    return {
        "by_source": by_source,
        "by_person": by_person,
        "by_folder": by_folder,
        "total": sum(by_source.values()),
    }


def counts(user) -> dict:
    """The counts as a new request sees them (its own user object)."""
    found = unread.unread_counts(type(user).objects.get(pk=user.pk))
    return {
        "by_source": found.by_source,
        "by_person": found.by_person,
        "by_folder": found.by_folder,
        "total": found.total,
    }


def counting_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]


def test_counts_match_the_rows_and_the_other_members_marks_do_not_count(member, network):
    want = expected(member)
    assert want["by_source"] == {network["a"].pk: 6, network["b"].pk: 4, network["c"].pk: 3}
    assert counts(member) == want


def test_mark_read_and_unread_adjust_the_cached_counts_without_counting(member, network):
    counts(member)  # counted and cached
    a_entries = list(Entry.objects.filter(source=network["a"]).order_by("pk"))
    for entry in a_entries[:3]:
        set_marks(member, entry, read=True)
    set_marks(member, a_entries[0], read=True)  # again: no change
    set_marks(member, a_entries[1], starred=True)  # a star is not a read mark
    with CaptureQueriesContext(connection) as captured:
        after_read = counts(member)
    assert counting_queries(captured) == []
    assert after_read == expected(member)
    assert after_read["by_source"][network["a"].pk] == 3
    assert after_read["by_person"] == {network["doug"].pk: 3}
    assert after_read["by_folder"] == {network["edtech"].pk: 3 + 4}
    set_marks(member, a_entries[2], read=False)
    with CaptureQueriesContext(connection) as captured:
        after_unread = counts(member)
    assert counting_queries(captured) == []
    assert after_unread == expected(member)
    assert after_unread["total"] == 4 + 4 + 3


def test_mark_all_read_of_one_source_then_up_to_an_entry(member, network):
    counts(member)
    mark_all_read(member, RiverFilter(source=network["b"].pk), None)
    with CaptureQueriesContext(connection) as captured:
        assert counts(member) == expected(member)
    assert counting_queries(captured) == []
    assert counts(member)["by_source"][network["b"].pk] == 0
    c_entries = list(Entry.objects.filter(source=network["c"]).order_by("published_at"))
    middle = c_entries[1]
    set_marks(member, c_entries[0], read=True)  # already read: not counted twice
    mark_all_read(member, RiverFilter(), (middle.published_at, middle.pk))
    got = counts(member)
    assert got == expected(member)
    # "Up to here" marks the entry and everything newer (what was shown above it): the older
    # ones stay unread, less c's oldest, read before.
    older = Q(published_at__lt=middle.published_at) | Q(
        published_at=middle.published_at, pk__lt=middle.pk
    )
    older_a = Entry.objects.filter(older, source=network["a"]).count()
    older_c = Entry.objects.filter(older, source=network["c"]).exclude(pk=c_entries[0].pk).count()
    assert got["by_source"] == {
        network["a"].pk: older_a,
        network["b"].pk: 0,
        network["c"].pk: older_c,
    }
    mark_all_read(member, RiverFilter(), None)
    assert counts(member) == expected(member)
    assert counts(member)["total"] == 0


def test_new_entries_from_a_real_feed_are_counted(member, network):
    counts(member)
    set_marks(member, Entry.objects.filter(source=network["a"]).first(), read=True)
    items = len(ET.fromstring(corpus_bytes(WP_RSS)).findall("./channel/item"))
    parsed = parse_feed(corpus_bytes(WP_RSS), "http://127.0.0.1:8080/feed/")
    assert store_entries(network["a"], parsed.entries).added == items == 10
    got = counts(member)
    assert got == expected(member)
    assert got["by_source"][network["a"].pk] == 6 - 1 + items
    store_entries(network["a"], parsed.entries)  # the same items again: nothing new
    assert counts(member) == expected(member)


def test_a_source_unsubscribed_and_a_new_one_counted_alone(member, network):
    counts(member)
    set_marks(member, Entry.objects.filter(source=network["a"]).first(), read=True)
    Subscription.objects.get(user=member, source=network["a"]).delete()
    got = counts(member)
    assert got == expected(member)
    assert got["by_person"] == {} and got["by_folder"] == {network["edtech"].pk: 4}
    d = Source.objects.create(url="https://d.example/feed", title="D")
    Entry.objects.create(source=d, dedup_key="d0", published_at=BASE)
    Subscription.objects.create(user=member, source=d, person=network["doug"])
    with CaptureQueriesContext(connection) as captured:
        got = counts(member)
    assert got == expected(member)
    # Only the new source is counted; the others' tallies come from the cache.
    counted = counting_queries(captured)
    assert len(counted) == 2 and all(f"IN ({d.pk})" in sql for sql in counted)
    assert got["by_person"] == {network["doug"].pk: 1}
    # Following A again: its read mark was kept, and so was its place in the tallies.
    Subscription.objects.create(user=member, source=network["a"])
    got = counts(member)
    assert got == expected(member)
    assert got["by_source"][network["a"].pk] == 5


def test_a_mark_rolled_back_leaves_no_count_behind(member, network):
    counts(member)
    with pytest.raises(RuntimeError), transaction.atomic():
        set_marks(member, Entry.objects.filter(source=network["c"]).first(), read=True)
        raise RuntimeError("the request failed after the mark")
    assert counts(member) == expected(member)  # the old number's tally, still right
    # The next mark moves to the same number again. When it finds no tally to carry (lost
    # from the cache), the one the rolled-back mark stored under that number must not be
    # served: it is removed.
    cache.delete(unread._reads_key(member.pk, unread._marks_number(member.pk)))
    set_marks(member, Entry.objects.filter(source=network["a"]).first(), read=True)
    got = counts(member)
    assert got == expected(member)
    assert got["by_source"] == {network["a"].pk: 5, network["b"].pk: 4, network["c"].pk: 3}


def test_a_count_made_while_a_mark_commits_is_not_stored(member, network, monkeypatch):
    """The race we can stage in one process: the read marks are counted for number 0, and a
    mark commits (number 1) while they are counted. That tally must not be kept under 0."""
    assert not ReadMarksVersion.objects.filter(user=member).exists()  # number 0
    real = unread._count_reads
    entry = Entry.objects.filter(source=network["c"]).first()

    def count_while_marking(user_id, source_ids):
        found = real(user_id, source_ids)
        set_marks(member, entry, read=True)  # commits while the reader counts
        return found

    monkeypatch.setattr(unread, "_count_reads", count_while_marking)
    first = counts(member)  # counted before the mark, as that request saw it
    assert first["by_source"][network["c"].pk] == 3
    monkeypatch.setattr(unread, "_count_reads", real)
    assert cache.get(unread._reads_key(member.pk, 0)) is None
    assert counts(member) == expected(member)
    assert counts(member)["by_source"][network["c"].pk] == 2


def test_a_tally_is_not_carried_past_its_age(member, network):
    counts(member)
    key = unread._reads_key(member.pk, 0)
    counted_at, tally = cache.get(key)
    cache.set(key, (counted_at - unread.COUNTS_SECONDS - 1, tally))  # counted 10 minutes ago
    # Marks changed outside the services, which only a new count sees:
    for entry in Entry.objects.filter(source=network["c"]):
        EntryState.objects.create(user=member, entry=entry, read=True)
    set_marks(member, Entry.objects.filter(source=network["a"]).first(), read=True)
    with CaptureQueriesContext(connection) as captured:
        got = counts(member)
    counted = counting_queries(captured)
    assert len(counted) == 1 and "reader_entrystate" in counted[0]  # the read marks, again
    assert got == expected(member)
    assert got["by_source"][network["c"].pk] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_marks_and_a_fetch_keep_the_counts_exact(member, network, monkeypatch):
    """Real concurrency: two requests marking the same entries read, one marking and unmarking,
    a fetch storing new entries and a reader, all at once on their own connections. Each
    entry's change is counted once (the version row's lock), and the counts end exact."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (make test-postgres): the in-memory SQLite test database "
                    "is not written from several threads")  # fmt: skip
    a_entries = list(Entry.objects.filter(source=network["a"]))
    for entry in a_entries:  # starred, unread: rows both markers find already there
        EntryState.objects.create(user=member, entry=entry, starred=True)
    c_entries = list(Entry.objects.filter(source=network["c"]))
    counts(member)
    parsed = parse_feed(corpus_bytes(WP_RSS), "http://127.0.0.1:8080/feed/")
    record = unread.ReadMarksChange.read

    def slow_record(self, source_id, n=1):  # a change noted, its commit some time away
        record(self, source_id, n)
        time.sleep(0.02)

    monkeypatch.setattr(unread.ReadMarksChange, "read", slow_record)

    def mark_a():
        for entry in a_entries:
            set_marks(member, entry, read=True)

    def mark_c():
        for entry in c_entries:
            set_marks(member, entry, read=True)
        set_marks(member, c_entries[0], read=False)

    def fetch():
        with transaction.atomic():
            store_entries(network["b"], parsed.entries)

    def read():
        for _ in range(10):
            counts(member)

    works = [mark_a, mark_a, mark_c, fetch, read]
    start, errors = threading.Barrier(len(works)), []

    def run(work):
        try:
            start.wait()
            work()
        except Exception as exc:  # reported below, with the others
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ReadMarksVersion.objects.get(user=member).number == len(a_entries) + len(c_entries) + 1
    got = counts(member)
    assert got == expected(member)
    assert got["by_source"] == {network["a"].pk: 0, network["b"].pk: 4 + 10, network["c"].pk: 1}


@pytest.mark.django_db(transaction=True)
def test_changing_read_marks_needs_a_transaction(member):
    with pytest.raises(transaction.TransactionManagementError):
        with unread.changing_read_marks(member):
            pass


def test_the_page_after_a_mark_takes_the_counts_from_the_cache(client, member, network):
    client.force_login(member)
    client.get(reverse("reader:river"))  # session, site preferences and counts cached
    with CaptureQueriesContext(connection) as unchanged:
        client.get(reverse("reader:river"))
    entry = Entry.objects.filter(source=network["b"]).first()
    marked = client.post(reverse("reader:entry_mark", args=[entry.pk]), {"read": "1"})
    assert marked.status_code == 302
    with CaptureQueriesContext(connection) as after_mark:
        html = client.get(reverse("reader:river")).content.decode()
    assert counting_queries(after_mark) == []
    assert len(after_mark.captured_queries) == len(unchanged.captured_queries) <= 13
    assert '<span class="unread-total">(12 unread)</span>' in html
    assert '">B (3 unread)</option>' in html and '">Edtech (9 unread)</option>' in html


def test_the_entry_page_nav_counts_the_entry_it_marks_read(client, member, network):
    client.force_login(member)
    client.get(reverse("reader:river"))
    entry = Entry.objects.filter(source=network["a"]).first()
    html = client.get(reverse("reader:entry", args=[entry.pk])).content.decode()
    assert '<span class="unread-total">(12 unread)</span>' in html
