"""Feed pipeline throughput: parse, sanitise, dedup and store real feeds, on one core.

Bench set: every real feed of the corpus (feed-rs-fixtures, miniflux-testdata/parser,
wordpress-peer, jsonfeed-spec-examples), repeated to 1,000 feeds, each stored as its own source in a
fresh SQLite database. Baseline, measured in the same run: plain `feedparser.parse` (its defaults,
which include its own sanitiser) on the same 1,000 byte strings, parse only.

Then an agreement check on EVERY corpus feed file (feedparser-tests included): our parser against
plain feedparser, comparing per entry the title (as text), link, id and dates; differences are listed.

Run: /work/venv/bin/python bench/bench_feeds.py [--feeds N]
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
sys.path.insert(0, str(ROOT))
os.environ["PLNET_DATA_DIR"] = tempfile.mkdtemp(prefix="plnet-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")

import django  # noqa: E402

django.setup()

import feedparser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from tqdm import tqdm  # noqa: E402

from plnet.protocols.feeds import FeedError, parse_feed, plain_text  # noqa: E402

REAL_DIRS = [
    "feed-rs-fixtures",
    "miniflux-testdata/parser",
    "wordpress-peer",
    "jsonfeed-spec-examples",
]


def feed_files(dirs) -> list[Path]:
    files = []
    for d in dirs:
        for path in sorted((CORPUS / "feeds" / d).rglob("*")):
            if path.is_file() and path.suffix in {".xml", ".json", ".rss", ".atom", ".rdf"}:
                if not path.name.endswith(".serde.json") and path.name != "INDEX.json":
                    files.append(path)
    return files


def baseline(bench: list[bytes]) -> float:
    started = time.perf_counter()
    for content in bench:
        feedparser.parse(io.BytesIO(content))
    return len(bench) / (time.perf_counter() - started)


def pipeline(bench: list[tuple[str, bytes]]) -> tuple[float, int, int]:
    from plnet.reader.models import Source
    from plnet.reader.services import Download, apply_download

    sources = Source.objects.bulk_create(
        Source(url=f"https://bench.example/{i}/{name}") for i, (name, _) in enumerate(bench)
    )
    errors = entries = 0
    started = time.perf_counter()
    for source, (_, content) in tqdm(
        list(zip(sources, bench, strict=True)), desc="pipeline", unit="feed"
    ):
        result = Download(url=source.url, status=200, final_url=source.url)
        try:
            result.feed = parse_feed(content, source.url)
        except FeedError as exc:
            result.error = str(exc)
            errors += 1
        entries += apply_download(source, result).added
    return len(bench) / (time.perf_counter() - started), errors, entries


BASE = "https://example.org/feed"


def _fp_entry(e) -> tuple:
    """feedparser's values, with our one documented rule applied to links: resolved against the
    feed URL, and dropped when that gives no http(s) URL (feedparser copies ids like urn:uuid:…)."""
    detail = e.get("title_detail") or {}
    title = plain_text(e.get("title") or "", "html" in (detail.get("type") or "html"))
    link = urljoin(BASE, (e.get("link") or "").strip()) if (e.get("link") or "").strip() else ""
    # the scheme is case-insensitive (RFC 3986 §3.1): "HTTP://…" is an http URL
    link = link if link.lower().startswith(("http://", "https://")) else ""
    return (title, link, (e.get("id") or "").strip(), _date(e))


def _date(e):
    parsed = e.get("published_parsed") or e.get("created_parsed")
    return time.strftime("%Y-%m-%dT%H:%M:%S", parsed) if parsed else None


def agreement(files: list[Path]) -> tuple[int, int, list[str]]:
    """Compare titles, links, ids, dates with plain feedparser; returns (compared, same, diffs)."""
    compared, same, diffs = 0, 0, []
    for path in tqdm(files, desc="agreement", unit="feed"):
        content = path.read_bytes()
        try:
            ours = parse_feed(content, BASE)
        except FeedError:
            continue  # not a feed for us: checked separately (clear error state)
        if ours.format.startswith("json") or ours.format == "hfeed":
            continue  # feedparser's JSON Feed support differs by design (we follow the spec)
        theirs = feedparser.parse(io.BytesIO(content))
        compared += 1
        mine = [
            (
                e.title,
                e.link,
                e.guid,
                e.published.strftime("%Y-%m-%dT%H:%M:%S") if e.published else None,
            )
            for e in ours.entries
        ]
        want = [_fp_entry(e) for e in theirs.entries]
        if mine == want:
            same += 1
        else:
            first = next(((m, w) for m, w in itertools.zip_longest(mine, want) if m != w), None)
            diffs.append(
                f"{path.relative_to(CORPUS)}: ours {first[0]!r} vs feedparser {first[1]!r}"
            )
    return compared, same, diffs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    files = feed_files(REAL_DIRS)
    bench = [(p.name, p.read_bytes()) for p in itertools.islice(itertools.cycle(files), args.feeds)]
    size = sum(len(c) for _, c in bench) / len(bench)
    print(
        f"bench set: {len(bench)} feeds from {len(files)} corpus files, mean {size / 1024:.1f} KiB"
    )
    base = baseline([c for _, c in bench])
    print(f"baseline feedparser.parse (defaults), parse only: {base:.1f} feeds/s")
    rate, errors, entries = pipeline(bench)
    print(
        f"plnet pipeline (parse, sanitise, dedup, store in SQLite): {rate:.1f} feeds/s "
        f"({entries} entries stored, {errors} feeds refused with an error state)"
    )
    print(
        f"ratio pipeline / plain feedparser: {rate / base:.2f}x; target 30 feeds/s: {'met' if rate >= 30 else 'NOT met'}"
    )
    compared, same, diffs = agreement(feed_files(["."]))
    print(
        f"agreement with feedparser on titles, links, ids, dates: {same}/{compared} corpus feeds identical"
    )
    for line in diffs:
        print("  differs:", line)


if __name__ == "__main__":
    main()
