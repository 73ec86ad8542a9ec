"""Full-text search of the river: the query the database runs (PostgreSQL's GIN index, SQLite's
FTS5 table) and what it finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from plnet.reader import search
from plnet.reader.models import Entry, Source, Subscription
from plnet.reader.river import RiverFilter, river

pytestmark = pytest.mark.django_db
BASE = datetime(2024, 1, 1, tzinfo=UTC)
WORDS = ["compost", "worms", "tomatoes", "ladders", "sparrows"]


@pytest.fixture
def garden(member):
    """40 entries; entry i holds WORDS[j] when i % (j + 2) == 0 (in its title, excerpt or content)."""
    source = Source.objects.create(url="https://garden.example/feed", title="Garden")
    Subscription.objects.create(user=member, source=source)
    entries = []
    for i in range(40):
        words = [w for j, w in enumerate(WORDS) if i % (j + 2) == 0]
        field = ("title", "excerpt", "content_html")[i % 3]
        text = " ".join(words) or "nothing here"
        values = {"title": f"note {i}", "excerpt": "", "content_html": ""}
        values[field] = f"note {i} {text}" if field == "title" else f"<p>{text}</p>"
        entries.append(
            Entry(source=source, dedup_key=str(i), published_at=BASE + timedelta(hours=i), **values)
        )
    created = Entry.objects.bulk_create(entries)
    search.index_entries(created)
    return source


def expected(*words):
    """Entry numbers holding every word, from the fixture's rule (not from the database)."""
    return {i for i in range(40) if all(i % (WORDS.index(w) + 2) == 0 for w in words)}


def numbers(entries):
    return {int(e.dedup_key) for e in entries}


@pytest.mark.parametrize("words", [("compost",), ("compost", "worms"), ("sparrows", "ladders")])
def test_search_finds_entries_holding_every_word(garden, words):
    found = search.matching(Entry.objects.all(), " ".join(words))
    assert numbers(found) == expected(*words)


def test_river_search_is_newest_first(garden, member):
    page = river(member, RiverFilter(q="compost"), limit=5)
    assert [int(e.dedup_key) for e in page.entries] == sorted(expected("compost"))[::-1][:5]


def test_postgresql_search_uses_the_gin_expression_index(garden):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (make test-postgres)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # 40 rows: a scan would win otherwise
    plan = search.matching(Entry.objects.all(), "compost worms").explain()
    assert "reader_entry_search" in plan, plan
    assert numbers(search.matching(Entry.objects.all(), "Compost, worms!")) == expected(
        "compost", "worms"
    )


@pytest.fixture
def broad(monkeypatch):
    """Every search of more than 3 matches takes the broad path."""
    monkeypatch.setattr(search, "BROAD_MATCHES", 3)


@pytest.mark.parametrize("q", ["compost", "compost worms", "sparrows", "absentword"])
def test_broad_and_narrow_searches_find_the_same_page(garden, member, monkeypatch, q):
    monkeypatch.setattr(search, "BROAD_MATCHES", 10**9)
    narrow = river(member, RiverFilter(q=q), limit=4)
    monkeypatch.setattr(search, "BROAD_MATCHES", 2)
    broad = river(member, RiverFilter(q=q), limit=4)
    assert [e.pk for e in broad.entries] == [e.pk for e in narrow.entries]
    assert broad.next_cursor == narrow.next_cursor
    want = sorted(expected(*q.split()), reverse=True) if q != "absentword" else []
    assert [int(e.dedup_key) for e in narrow.entries] == want[:4]


def test_sqlite_broad_search_walks_the_date_index(garden, member, broad):
    """The broad path keeps SQLite on the river's (published_at, id) index, with no sort of the
    matches; the narrow path drives the lookup from the matches."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    from plnet.reader.river import river_queryset

    def plan(q):
        qs = river_queryset(member, RiverFilter(q=q)).order_by("-published_at", "-id")
        return qs[:51].explain()

    broad_plan = plan("compost")  # 20 matches, over the patched threshold of 3
    assert "USING INDEX entry_river" in broad_plan and "TEMP B-TREE" not in broad_plan
    search.BROAD_MATCHES = 10**9  # monkeypatch restores it
    assert "INTEGER PRIMARY KEY (rowid=?)" in plan("compost")
