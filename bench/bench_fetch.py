"""Fetching 1,000 feeds served locally: feeds per minute, then a second refresh answered 304.

A loopback HTTP server (its own process) serves 1,000 real corpus feeds (the bench set of
bench_feeds.py), each with an ETag and a Last-Modified, answering 304 to a matching conditional
request. Each feed has its own host name (resolved to 127.0.0.1 by a stub resolver) so the
per-host limit applies as it would on the web, and no connection is reused between feeds (the
worst case for keep-alive). Measured: the background worker's way (the tick's tasks, each
`fetch_many` over a batch of BATCH_SIZE sources with the default thread pool), and `fetch_many`
with a single thread. Then a second refresh, where every request must be conditional and
answered 304: its speed-up over the first is the ratio.

Also printed: the CPU time of plnet's process in each phase and their ratio, which depends less
on what else the machine runs than the wall-clock ratio (the refresh is latency-bound: each 304
waits for the server process to be scheduled).

Run: /work/venv/bin/python bench/bench_fetch.py [--feeds N]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing
import os
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
from plnet.reader.services import BATCH_SIZE, fetch_many  # noqa: E402

LAST_MODIFIED = "Tue, 03 Mar 2015 10:00:00 GMT"


def serve_forever(bodies: list[bytes], port_queue, stats) -> None:
    """The feed server, in its own process (so it does not share plnet's interpreter lock).

    GET /feed/N answers 200 with feed N, or 304 to a matching If-None-Match. `stats` counts
    requests, conditional ones and 304s.
    """
    etags = ['"' + hashlib.sha1(b).hexdigest()[:16] + '"' for b in bodies]  # noqa: S324

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            i = int(self.path.rsplit("/", 1)[1])
            asked = self.headers.get("If-None-Match")
            status = 304 if asked == etags[i] else 200
            with stats.get_lock():
                stats[0] += 1
                stats[1] += asked is not None
                stats[2] += status == 304
            self.send_response(status)
            self.send_header("ETag", etags[i])
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", "0" if status == 304 else str(len(bodies[i])))
            self.end_headers()
            if status == 200:
                self.wfile.write(bodies[i])

    class Server(ThreadingHTTPServer):
        # socketserver's default listen backlog is 5: with 8 fetching threads and a busy server
        # process, new connections overflow it and the kernel drops their SYN, which costs the
        # client a 1 s retransmission each (seen as 10-16 s all-304 refreshes). Real web servers
        # listen with a backlog of 511 (nginx) or more; this server stands in for 1,000 of them.
        request_queue_size = 511

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def run(ids, workers: int, resolver) -> tuple[float, float, dict]:
    """workers=0: the background worker's way (the tick's tasks: fetch_many over batches of
    BATCH_SIZE sources with the default pool); else `fetch_many` over all with that many threads.
    Returns wall seconds, CPU seconds of this process (plnet's side only), and the counts."""
    started, cpu = time.perf_counter(), time.process_time()
    if workers == 0:
        counts: dict = {}
        for start in range(0, len(ids), BATCH_SIZE):
            for key, value in fetch_many(
                ids[start : start + BATCH_SIZE], resolver=resolver
            ).items():
                counts[key] = counts.get(key, 0) + value
    else:
        counts = fetch_many(ids, workers=workers, resolver=resolver)
    return time.perf_counter() - started, time.process_time() - cpu, counts


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

    bodies = [
        p.read_bytes() for p in itertools.islice(itertools.cycle(feed_files(REAL_DIRS)), args.feeds)
    ]
    stats = multiprocessing.Array("i", 3)
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_forever, args=(bodies, ports, stats), daemon=True)
    server.start()
    port = ports.get(timeout=30)

    def resolver(host, port):
        return ["127.0.0.1"]

    try:
        sources = Source.objects.bulk_create(
            Source(url=f"http://feed{i}.bench.test:{port}/feed/{i}") for i in range(len(bodies))
        )
        ids = [s.pk for s in sources]
        for workers in (0, 1):
            reset(ids)
            first, first_cpu, counts = run(ids, workers, resolver)
            how = (
                f"worker tasks (batches of {BATCH_SIZE}, default pool)"
                if workers == 0
                else f"fetch_many, {workers} thread(s)"
            )
            print(
                f"first fetch, {how}: {len(ids)} feeds in {first:.1f} s = "
                f"{len(ids) / first * 60:,.0f} feeds/min, {first_cpu:.1f} s CPU ({counts})"
            )
            stats[0] = stats[1] = stats[2] = 0
            second, second_cpu, counts = run(ids, workers, resolver)
            total, conditional, not_modified = stats[:]
            print(
                f"second refresh, {how}: {second:.1f} s = {len(ids) / second * 60:,.0f} feeds/min; "
                f"{conditional}/{total} requests conditional, {not_modified} answered 304; "
                f"speed-up {first / second:.1f}x (target 10x: {'met' if first / second >= 10 else 'NOT met'}); "
                f"CPU {second_cpu:.2f} s, CPU ratio {first_cpu / second_cpu:.1f}x"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
