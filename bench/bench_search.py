"""Blog search: words through the FTS5 index vs. CJK words through the substring (LIKE) scan.

5,000 published posts of about 300 words each, one in twenty with a Japanese paragraph. Timed:
`search_posts(query)` evaluated to a list (the ranked ids, then the listing query with authors,
categories, tags and comment counts), 25 times per query, median. Baseline in the same run: the
ordinary English query through FTS5 ("learning networks"), which the CJK fallback must not slow
down: the only work added on that path is `split_terms`, timed alone as well.

Run: /work/venv/bin/python bench/bench_search.py [--posts N]
"""

from __future__ import annotations

import argparse
import os
import random
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
from tqdm import tqdm  # noqa: E402

RUNS = 25
WORDS = (
    "learning network connectivism open education reflection practice community feed blog "
    "teacher student course rhizome knowledge public writing reading comment curiosity"
).split()
JAPANESE = "私は日本語を勉強しています。東京のオープン教育について書きました。"


def build(posts: int) -> None:
    from plnet.accounts.models import User
    from plnet.publishing.models import Post

    author = User.objects.create_user("bench", password="bench-password-1")
    rng = random.Random(7)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    batch = []
    for n in tqdm(range(posts), desc="posts", unit="post"):
        text = " ".join(rng.choice(WORDS) for _ in range(300))
        if n % 20 == 0:
            text += " " + JAPANESE
        batch.append(
            Post(
                title=f"Post {n} about {rng.choice(WORDS)}", slug=f"post-{n}", author=author,
                body=text, content_html=f"<p>{text}</p>", search_text=text, status="published",
                published_at=base + timedelta(hours=n),
            )
        )  # fmt: skip
        if len(batch) == 1000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)


def median_ms(fn, runs: int = RUNS) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        found = len(fn())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    build(args.posts)

    from plnet.core.search import split_terms
    from plnet.publishing.search import search_posts

    queries = [
        ("baseline: one English word, FTS5", "rhizome"),
        ("two English words, FTS5", "open rhizome"),
        ("CJK word, substring scan", "日本"),
        ("CJK word + English word", "東京 learning"),
        ("CJK word found nowhere", "大阪"),
    ]
    print(f"{args.posts} posts, {RUNS} runs each, median of search_posts(...) evaluated")
    baseline = None
    for label, query in queries:
        ms, found = median_ms(lambda q=query: list(search_posts(q)))
        baseline = baseline or ms
        print(f"- {label} ({query!r}): {ms:.1f} ms, {found} results, ratio {ms / baseline:.2f}")
    start = time.perf_counter()
    for _ in range(10_000):
        split_terms("learning networks")
    print(f"- split_terms on the English query: {(time.perf_counter() - start) * 100:.2f} µs")


if __name__ == "__main__":
    main()
