"""`plnet run`: serve plnet with gunicorn and run the task worker beside it; Ctrl-C stops both.

The web server is what the site is: when it stops, plnet stops. The worker is restarted when it
dies (see `_Worker`), so a failing task never takes the site down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from plnet.core.management.arguments import port_number, positive_int


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _check_port_free(host: str, port: int) -> None:
    """Raise CommandError when host:port is already taken (say so now, not after a failed bind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"cannot serve on {host}:{port}: {exc.strerror}. Is plnet (or something else)"
                " already running there? Choose another port: plnet run --port 8001, or"
                " make run PORT=8001."
            ) from None


def default_site_url(host: str, port: int) -> str:
    """The site URL `plnet run --host H --port P` gives its web server and worker when
    PLNET_SITE_URL is not set (in the environment or .env): http://127.0.0.1:P when H listens on
    every interface or on loopback, else http://H:P, so feed links, <link rel="alternate"> and
    robots.txt's Sitemap point where the site is served. A PLNET_SITE_URL that is set always wins.
    """
    if host in {"0.0.0.0", "::", "", "127.0.0.1", "::1"}:  # noqa: S104 (compared, not bound)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Worker:
    """The task worker beside gunicorn. When it dies (a task's error, a database that stayed
    locked) the site keeps serving: the worker is started again after a back-off that doubles
    from 1 s to 60 s while it keeps dying, and goes back to 1 s once it has run for a minute."""

    FIRST, LONGEST, STEADY = 1.0, 60.0, 60.0

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.argv, self.env = argv, env
        self.proc: subprocess.Popen | None = None
        self.delay, self.started_at, self.restart_at = self.FIRST, 0.0, None

    def start(self) -> subprocess.Popen:
        self.proc, self.started_at, self.restart_at = (
            subprocess.Popen(self.argv, env=self.env),
            time.monotonic(),
            None,
        )
        return self.proc

    def check(self, log: Callable[[str], object]) -> subprocess.Popen | None:
        """Call often: logs a worker's death once, and returns the new process when it is
        started again (None otherwise)."""
        code = self.proc.poll()
        if code is None:
            return None
        now = time.monotonic()
        if self.restart_at is None:
            if now - self.started_at >= self.STEADY:
                self.delay = self.FIRST
            self.restart_at = now + self.delay
            log(f"plnet worker stopped (exit code {code}); starting it again in {self.delay:g} s")
            self.delay = min(self.delay * 2, self.LONGEST)
            return None
        return self.start() if now >= self.restart_at else None


class Command(BaseCommand):
    help = "Serve plnet (gunicorn, static files by WhiteNoise) and run the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument("--workers", type=positive_int, default=max(2, (os.cpu_count() or 1)))
        parser.add_argument("--no-worker", action="store_true", help="Serve only, no task worker.")

    def handle(self, *args, host, port, workers, no_worker, **options):
        _check_port_free(host, port)
        # What the shared cache holds was written by the code and templates of the last run.
        cache.clear()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plnet.settings"}
        env.setdefault("PLNET_SITE_URL", default_site_url(host, port))
        web = [
            sys.executable, "-m", "gunicorn", "plnet.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        # A service manager stops us with SIGTERM: treat it like Ctrl-C so the children stop too.
        signal.signal(signal.SIGTERM, _interrupt)
        procs = [subprocess.Popen(web, env=env)]
        worker = None if no_worker else _Worker([sys.executable, "-m", "plnet.cli", "worker"], env)
        if worker:
            procs.append(worker.start())
        self.stdout.write(f"plnet is serving on http://{host}:{port}/ (Ctrl-C stops)")
        try:
            while procs[0].poll() is None:
                if worker and (restarted := worker.check(self.stderr.write)):
                    procs[1] = restarted
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # a second Ctrl-C or SIGTERM while the children stop must not cut the clean-up short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        web_exit = procs[0].returncode
        self.stdout.write("plnet stopped")
        if web_exit not in (0, -signal.SIGTERM, None):
            raise CommandError(f"the web server stopped with exit code {web_exit}")
