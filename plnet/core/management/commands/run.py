"""`plnet run`: serve plnet with gunicorn and run the task worker beside it; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError


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
                " already running there? Choose another port with --port."
            ) from None


class Command(BaseCommand):
    help = "Serve plnet (gunicorn, static files by WhiteNoise) and run the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1)))
        parser.add_argument("--no-worker", action="store_true", help="Serve only, no task worker.")

    def handle(self, *args, host, port, workers, no_worker, **options):
        _check_port_free(host, port)
        # What the shared cache holds was written by the code and templates of the last run.
        cache.clear()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plnet.settings"}
        web = [
            sys.executable, "-m", "gunicorn", "plnet.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        # A service manager stops us with SIGTERM: treat it like Ctrl-C so the children stop too.
        signal.signal(signal.SIGTERM, _interrupt)
        procs = [subprocess.Popen(web, env=env)]
        if not no_worker:
            procs.append(subprocess.Popen([sys.executable, "-m", "plnet.cli", "worker"], env=env))
        self.stdout.write(f"plnet is serving on http://{host}:{port}/ (Ctrl-C stops)")
        try:
            while all(p.poll() is None for p in procs):
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
