"""Server time of a page, in one process: the home page and post pages with 10 and 50 approved
comments, each request sent through Django's test client (middleware, view, queries,
templates; no network, no gunicorn), with the same data as bench_pages.py.

    /work/venv/bin/python bench/bench_page_server.py [--requests 60] [--no-record]

The machine is shared, so besides wall-clock time each request's CPU time of this thread is
measured (time.thread_time): it is what the page costs the server, and moves much less than
wall-clock time when other work competes for the cores (the minimum moves least of all). Medians of --requests requests after
5 warm-up requests (the caches are warm, as on a visited site); one cold request (empty cache)
is measured apart. The baseline, in the same run, is /robots.txt (no query, no template).
Query counts come from CaptureQueriesContext. Prints a table and appends it to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def setup_django(tmp: Path) -> None:
    os.environ.update(
        PLNET_DATA_DIR=str(tmp), PLNET_DEBUG="false", PLNET_SITE_URL="http://127.0.0.1:8000",
        DJANGO_SETTINGS_MODULE="plnet.settings",
    )  # fmt: skip
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)


def seed() -> list[tuple[str, str]]:
    """bench_pages' data (100 posts, one with 10 comments), plus a post with 50 comments."""
    import bench_pages

    from plnet.conversation.models import Comment
    from plnet.publishing.models import Post

    ten = bench_pages.seed()
    fifty = Post.objects.get(slug="week-60")
    Comment.objects.bulk_create(
        Comment(
            post=fifty, state="approved", author_name=f"Reader {n}",
            content=f"<p>Thanks for this, comment {n}.</p>", raw_content=f"Thanks, {n}.",
        )
        for n in range(50)
    )  # fmt: skip
    return [
        ("baseline /robots.txt", "/robots.txt"),
        ("home page /", "/"),
        ("post with 10 approved comments", ten),
        ("post with 50 approved comments", fifty.get_absolute_url()),
    ]


def measure(client, path: str, n: int) -> dict[str, float]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as cold_queries:
        t0, c0 = time.perf_counter(), time.thread_time()
        response = client.get(path)
        cold_wall, cold_cpu = time.perf_counter() - t0, time.thread_time() - c0
    cold = len(cold_queries)  # now: the context reads the connection's log when asked
    assert response.status_code == 200, (path, response.status_code)
    for _ in range(5):
        client.get(path)
    walls, cpus = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.thread_time()
        client.get(path)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.thread_time() - c0)
    with CaptureQueriesContext(connection) as warm_queries:
        client.get(path)
    warm = len(warm_queries)
    return {
        "cpu": statistics.median(cpus) * 1000,
        "cpu_min": min(cpus) * 1000,
        "wall": statistics.median(walls) * 1000,
        "cold_cpu": cold_cpu * 1000,
        "cold_wall": cold_wall * 1000,
        "queries": warm,
        "cold_queries": cold,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--label", default="", help="a note for the heading (e.g. the commit)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="plnet-bench-") as tmp:
        setup_django(Path(tmp))
        from django.test import Client

        targets = seed()
        client = Client()
        rows = [(name, path, measure(client, path, args.requests)) for name, path in targets]
    load_after = os.getloadavg()
    base = rows[0][2]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")),
        "unknown CPU",
    )  # fmt: skip
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## bench_page_server — {stamp}{' — ' + args.label if args.label else ''}",
        "",
        f"Machine: {os.cpu_count()} cores (nproc), {model}, Python {sys.version.split()[0]}; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (shared machine). "
        f"Commit {commit}. One process, Django test client, DEBUG off, SQLite, file cache; "
        f"median of {args.requests} requests after 5 warm-up requests; cold = first request "
        "with an empty cache.",
        "",
        "| page | CPU ms | min CPU ms | wall ms | queries | cold CPU ms | cold queries "
        "| CPU vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in rows:
        lines.append(
            f"| {name} (`{path}`) | {r['cpu']:.2f} | {r['cpu_min']:.2f} | {r['wall']:.2f} | "
            f"{r['queries']} | "
            f"{r['cold_cpu']:.2f} | {r['cold_queries']} | {r['cpu'] / base['cpu']:.0f}× |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        with RESULTS.open("a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
