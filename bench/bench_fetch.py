"""Fetching 1,000 feeds served locally: feeds per minute, then a second refresh answered 304.

A loopback HTTP server serves 1,000 real corpus feeds (the bench set of bench_feeds.py), each with
an ETag and a Last-Modified, answering 304 to a matching conditional request. Each feed has its own
host name (resolved to 127.0.0.1 by a stub resolver) so the per-host limit applies as it would on
the web. Measured: `fetch_many` with the default thread pool (what `plnet fetch --all` runs) and
with one thread (what one worker process does, task after task). Then a second refresh, where
every request must be conditional and answered 304: its speed-up over the first is the ratio.

Run: /work/venv/bin/python bench/bench_fetch.py [--feeds N]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["PLNET_DATA_DIR"] = tempfile.mkdtemp(prefix="plnet-bench-")
os.environ["PLNET_FETCH_ALLOWED_NETWORKS"] = "127.0.0.0/8"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.bench_feeds import REAL_DIRS, feed_files  # noqa: E402
from tests.conftest import LocalServer  # noqa: E402

LAST_MODIFIED = "Tue, 03 Mar 2015 10:00:00 GMT"


def serve(server: LocalServer, bodies: list[bytes], log: list[tuple[str, bool, int]]) -> None:
    for i, body in enumerate(bodies):
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'  # noqa: S324 - not security

        def route(handler, body=body, etag=etag):
            conditional = handler.headers.get("If-None-Match") == etag
            status = 304 if conditional else 200
            log.append((handler.path, "If-None-Match" in handler.headers, status))
            handler.send_response(status)
            handler.send_header("ETag", etag)
            handler.send_header("Last-Modified", LAST_MODIFIED)
            handler.send_header("Content-Type", "application/xml")
            handler.send_header("Content-Length", "0" if conditional else str(len(body)))
            handler.end_headers()
            if not conditional:
                handler.wfile.write(body)

        server.routes[f"/feed/{i}"] = route


def run(ids, workers: int, resolver) -> tuple[float, dict]:
    from plnet.reader.services import fetch_many

    started = time.perf_counter()
    counts = fetch_many(ids, workers=workers, resolver=resolver)
    return time.perf_counter() - started, counts


def reset(ids) -> None:
    from plnet.reader.models import Entry, Source

    Entry.objects.filter(source_id__in=ids).delete()
    Source.objects.filter(pk__in=ids).update(etag="", last_modified="", state="new")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from plnet.reader.models import Source
    from plnet.reader.services import WORKERS

    bodies = [p.read_bytes() for p in itertools.islice(itertools.cycle(feed_files(REAL_DIRS)), args.feeds)]
    log: list[tuple[str, bool, int]] = []

    def resolver(host, port):
        return ["127.0.0.1"]

    with LocalServer() as server:
        serve(server, bodies, log)
        sources = Source.objects.bulk_create(
            Source(url=f"http://feed{i}.bench.test:{server.port}/feed/{i}") for i in range(len(bodies))
        )
        ids = [s.pk for s in sources]
        for workers in (1, WORKERS):
            reset(ids)
            log.clear()
            first, counts = run(ids, workers, resolver)
            print(
                f"first fetch, {workers} thread(s): {len(ids)} feeds in {first:.1f} s = "
                f"{len(ids) / first * 60:,.0f} feeds/min ({counts})"
            )
            log.clear()
            second, counts = run(ids, workers, resolver)
            conditional = sum(1 for _, c, _ in log if c)
            not_modified = sum(1 for _, _, s in log if s == 304)
            print(
                f"second refresh, {workers} thread(s): {second:.1f} s = {len(ids) / second * 60:,.0f} feeds/min; "
                f"{conditional}/{len(log)} requests conditional, {not_modified} answered 304; "
                f"speed-up {first / second:.1f}x (target 10x: {'met' if first / second >= 10 else 'NOT met'})"
            )


if __name__ == "__main__":
    main()
