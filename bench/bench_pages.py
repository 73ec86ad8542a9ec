"""Page throughput: the home page and a post page with 10 approved comments, served as `make run`
serves them (gunicorn through `plnet run --no-worker`, DEBUG off, static files by WhiteNoise),
loaded on loopback for a bounded time.

    /work/venv/bin/python bench/bench_pages.py [--seconds 10] [--connections 16]

Load generator: Debian's `wrk` (`apt-get install -y wrk`); when it is missing a small Python
loop of threads with keep-alive connections is used instead (it is slower than wrk, so its figures
are lower bounds). The baseline, measured in the same run against the same server, is
/robots.txt: a Django view with no database query and no template, so the ratio shows what the
page itself costs beyond the request/response machinery.

Everything runs on 127.0.0.1 in a temporary data directory (SQLite), and stops by itself.
Prints a table and appends it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
POSTS = 100
COMMENTS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed() -> str:
    """Run inside the configured environment: 100 posts, one with 10 approved comments.
    Returns the permalink of the post with comments."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from plnet.conversation.models import Comment
    from plnet.publishing.models import Category, Post

    author = get_user_model().objects.create_user(
        username="ana", display_name="Ana Lima", bio="I teach and *learn* in public."
    )
    cats = [Category.objects.create(name=f"Topic {i}", slug=f"topic-{i}") for i in range(5)]
    start = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
    paragraph = "Learning in public means writing down what you notice. " * 12
    for i in range(POSTS):
        post = Post.objects.create(
            title=f"Week {i + 1}: what I learned",
            slug=f"week-{i + 1}",
            body=f"## Notes\n\n{paragraph}\n\n- one\n- two\n\n{paragraph}",
            status="published",
            published_at=start + dt.timedelta(days=i),
            author=author,
            sticky=i == 3,
        )
        post.categories.add(cats[i % 5])
        post.tags.add("learning", f"week{i % 7}")
    target = Post.objects.get(slug="week-50")
    Comment.objects.bulk_create(
        Comment(
            post=target,
            state="approved",
            author_name=f"Reader {n}",
            content=f"<p>Thanks for this, comment {n}.</p>",
            raw_content=f"Thanks for this, comment {n}.",
        )
        for n in range(COMMENTS)
    )
    return target.get_absolute_url()


def run_wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def pct(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def run_python_load(url: str, seconds: int, connections: int) -> dict[str, float]:
    """Fallback load loop: `connections` threads, keep-alive, bounded by time."""
    host, port, path = re.match(r"http://([^:/]+):(\d+)(/.*)", url).groups()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / seconds, "p50": q[49], "p99": q[98], "errors": errors[0]}


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", "/robots.txt")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def stop_group(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (SIGTERM to `plnet run` alone would leave
    gunicorn running: it only cleans up on Ctrl-C)."""
    for sig, wait in ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.5)  # let gunicorn's master reap its workers
    try:
        os.killpg(server.pid, signal.SIGKILL)  # stragglers of the group, if any
    except ProcessLookupError:
        pass


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores (nproc), {model}, Python {platform.python_version()}; "
        f"load average before the run {load} (the machine is shared)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    where = machine()  # before our own load

    tmp = Path(tempfile.mkdtemp(prefix="plnet-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PLNET_DATA_DIR": str(tmp),
        "PLNET_DEBUG": "false",
        "PLNET_SITE_URL": base,
        "DJANGO_SETTINGS_MODULE": "plnet.settings",
        "PYTHONPATH": str(ROOT),
    }
    py = sys.executable
    server = None
    try:
        for cmd in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([py, "-m", "plnet.cli", *cmd], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        post_url = subprocess.run(
            [py, "-c", "import bench_pages as b; print(b.seed())"],
            env={**env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}"},
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        server = subprocess.Popen(
            [py, "-m", "plnet.cli", "run", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: gunicorn's workers stop with it
        )  # fmt: skip
        wait_until_up(base)
        tool = "wrk" if shutil.which("wrk") else "python threads"
        load = run_wrk if tool == "wrk" else run_python_load
        targets = [
            ("baseline /robots.txt", "/robots.txt"),
            ("home page /", "/"),
            (f"post with {COMMENTS} approved comments", post_url),
        ]
        for _, path in targets:  # warm every worker's caches and connections
            load(base + path, 1, args.connections)
        rows = [
            (name, path, load(base + path, args.seconds, args.connections))
            for name, path in targets
        ]
    finally:
        if server is not None:
            stop_group(server)
        shutil.rmtree(tmp, ignore_errors=True)

    baseline = rows[0][2]["rps"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## bench_pages — {stamp}",
        "",
        f"Machine: {where}. Server: `plnet run --no-worker` (gunicorn, "
        f"{max(2, os.cpu_count() or 1)} workers × 4 threads, DEBUG off, SQLite, WhiteNoise). "
        f"Load: {tool}, {args.connections} connections, {args.seconds} s per page, loopback. "
        f"Data: {POSTS} posts, one with {COMMENTS} approved comments.",
        "",
        "| page | req/s | p50 ms | p99 ms | non-2xx | ratio to baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, path, r in rows:
        lines.append(
            f"| {name} (`{path}`) | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{r['errors']} | {r['rps'] / baseline:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        with RESULTS.open("a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
