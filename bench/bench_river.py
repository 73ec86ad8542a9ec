"""The river with 100,000 entries over 500 sources: median server time of page 1 and page 50.

One member follows 500 sources (under 50 people in 10 folders) holding 100,000 entries in all,
a tenth of them read. Timed: the whole GET /reader/ request through Django's test client (view,
keyset query, template), 25 times each for the first page, the first page right after a read
mark (untimed before each request: one entry of the first page marked read, or unread again,
through `set_marks`), the first page with no unread counts cached (after new entries and a
dropped read-marks tally: both halves counted), page 50 (reached with the `after` cursor, no
OFFSET), page 1 unread-only and page 1 of one person. Baselines in the same run: the same first
page fetched with OFFSET pagination at page 50 (the query keyset pagination avoids), and the
plain first page for the page after a read mark.

The three first-page rows are measured in turn (plain, after a mark, uncached, 25 times), so the
ratios between them hold under a changing load. Run: /work/venv/bin/python bench/bench_river.py
[--entries N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PLNET_DATA_DIR"] = os.environ.get("PLNET_BENCH_DIR") or tempfile.mkdtemp(
    prefix="plnet-bench-"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from tqdm import tqdm  # noqa: E402

RUNS = 25


def build(entries: int, sources: int = 500):
    from plnet.accounts.models import User
    from plnet.reader.models import Entry, EntryState, Folder, Person, Source, Subscription

    user = User.objects.create_user("bench", password="bench-password-1")
    folders = Folder.objects.bulk_create(Folder(user=user, name=f"Folder {i}") for i in range(10))
    people = Person.objects.bulk_create(
        Person(user=user, name=f"Person {i}", folder=folders[i % 10]) for i in range(50)
    )
    srcs = Source.objects.bulk_create(
        Source(url=f"https://s{i}.example/feed", title=f"Source {i}", state="ok")
        for i in range(sources)
    )
    Subscription.objects.bulk_create(
        Subscription(
            user=user, source=s, person=people[i % 50] if i % 2 else None, folder=folders[i % 10]
        )
        for i, s in enumerate(srcs)
    )
    base = datetime(2020, 1, 1, tzinfo=UTC)
    batch = []
    for n in tqdm(range(entries), desc="entries", unit="entry"):
        batch.append(
            Entry(
                source=srcs[n % sources], dedup_key=f"id:{n}", guid=str(n), title=f"Entry {n}",
                link=f"https://s{n % sources}.example/{n}", excerpt="Some words about learning " * 8,
                content_html="<p>" + "Some words about learning. " * 40 + "</p>",
                published_at=base + timedelta(minutes=7 * n),
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Entry.objects.bulk_create(batch)
            batch = []
    Entry.objects.bulk_create(batch)
    from plnet.reader import search

    all_entries = Entry.objects.only("id", "title", "content_html", "excerpt").order_by("id")
    for start in tqdm(range(0, entries, 5000), desc="full-text index", unit="batch"):
        search.index_entries(list(all_entries[start : start + 5000]))
    ids = Entry.objects.values_list("id", flat=True)[: entries // 10]
    EntryState.objects.bulk_create(EntryState(user=user, entry_id=i, read=True) for i in ids)
    return user, people[1]


def median_ms(client: Client, url: str, before=None) -> float:
    """Median server time of GET url; `before` (if given) runs before each request, untimed."""
    for _ in range(5):  # warm up: templates compiled, database pages cached
        client.get(url)
    times = []
    for _ in range(RUNS):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def interleaved_ms(client: Client, url: str, befores: dict) -> dict[str, float]:
    """Median server time of GET url for each {name: before}, the requests taken in turn (one
    of each, RUNS times) so that the machine's changing load weighs on all of them alike;
    `before` (None or a callable) runs untimed before its request."""
    for _ in range(5):
        client.get(url)
    times: dict[str, list[float]] = {name: [] for name in befores}
    for _ in range(RUNS):
        for name, before in befores.items():
            if before:
                before()
            started = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return {name: statistics.median(ts) for name, ts in times.items()}


def offset_page_ms(user, page: int) -> float:
    from plnet.reader.models import Entry, Subscription

    ids = list(Subscription.objects.filter(user=user).values_list("source_id", flat=True))
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        list(
            Entry.objects.filter(source_id__in=ids).order_by("-published_at", "-id")[
                page * 50 : page * 50 + 50
            ]
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    user, person = build(args.entries)
    from plnet.reader.actions import set_marks
    from plnet.reader.models import Entry
    from plnet.reader.river import RiverFilter, river
    from plnet.reader.unread import entries_changed, marks_changed

    f, cursor = RiverFilter(), ""
    for _ in range(49):
        page = river(user, f)
        cursor = page.next_cursor
        f = RiverFilter(after=RiverFilter.from_params({"after": cursor}).after)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    from urllib.parse import quote

    first_page = list(Entry.objects.order_by("-published_at", "-id")[:50])
    marks = iter(range(10**9))

    def mark_one():  # entries of page 1 read one by one, then unread again, and so on
        n = next(marks)
        set_marks(user, first_page[n % 50], read=(n // 50) % 2 == 0)

    def forget_counts():
        entries_changed()
        marks_changed(user.pk)

    figures = interleaved_ms(
        client,
        "/reader/",
        {
            "page 1": None,
            "page 1 after a read mark": mark_one,
            "page 1, no unread counts cached (both counted)": forget_counts,
        },
    )
    figures |= {
        "page 50 (keyset)": median_ms(client, f"/reader/?after={quote(cursor)}"),
        "page 1, unread only": median_ms(client, "/reader/?unread=true"),
        "page 1, one person": median_ms(client, f"/reader/?person={person.pk}"),
        "page 1, search 'learning'": median_ms(client, "/reader/?q=learning"),
    }
    print(
        f"river over {args.entries:,} entries, 500 sources; median of {RUNS} requests (server time):"
    )
    for name, ms in figures.items():
        print(
            f"  {name}: {ms:.1f} ms (target 50 ms: {'met' if ms < 50 else 'NOT met'})"
            if "search" not in name and "cached" not in name
            else f"  {name}: {ms:.1f} ms"
        )
    print(
        "baseline: page 1 after a read mark / page 1 = "
        f"{figures['page 1 after a read mark'] / figures['page 1']:.2f}x; "
        f"no counts cached / page 1 = "
        f"{figures['page 1, no unread counts cached (both counted)'] / figures['page 1']:.2f}x; "
        f"load average {open('/proc/loadavg').read().split()[0]}"
    )
    base = offset_page_ms(user, 49)
    keyset_query = []
    for _ in range(RUNS):
        started = time.perf_counter()
        river(user, f)
        keyset_query.append((time.perf_counter() - started) * 1000)
    print(
        f"baseline: page 50 query with OFFSET {base:.1f} ms vs keyset query {statistics.median(keyset_query):.1f} ms "
        f"(ratio {base / statistics.median(keyset_query):.1f}x)"
    )


if __name__ == "__main__":
    main()
