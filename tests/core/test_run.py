"""`plnet run` serves the site with gunicorn and a worker, and Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from django.core.management import call_command

from tests.conftest import REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_run_serves_and_ctrl_c_stops_web_and_worker(tmp_path, how):
    env = {**os.environ, "PLNET_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "plnet.cli"]
    subprocess.run(
        [*cli, "setup"], cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=120
    )
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "run", "--port", str(port), "--workers", "1"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(line.decode() for line in proc.stdout), daemon=True
    )
    reader.start()
    try:
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    status = response.status
                    server = response.headers["Server"]
            except OSError:
                time.sleep(0.3)
        assert status == 200 and server.startswith("gunicorn")
        while time.monotonic() < deadline and not any("Starting worker" in x for x in lines):
            time.sleep(0.3)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal signals the whole group
        else:
            proc.send_signal(signal.SIGTERM)  # a service manager signals the main process
        assert proc.wait(timeout=20) == 0
        reader.join(timeout=10)
        output = "".join(lines)
        assert "plnet stopped" in output
        assert "Starting worker" in output
        left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True)
        assert left.stdout.strip() == ""
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_run_refuses_a_port_in_use_with_a_clear_message(tmp_path):
    """Regression: with the port taken, plnet said it was serving and kept only the worker."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PLNET_DATA_DIR": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-m", "plnet.cli", "run", "--port", str(port)],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode != 0
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    # both ways of starting plnet are named: the command, and `make run` (PORT=, not --port)
    assert result.stderr.strip().endswith(
        "Choose another port: plnet run --port 8001, or make run PORT=8001."
    )
    assert "serving" not in result.stdout


class FakeProcess:
    """A child of `plnet run`: alive until `exits_after` polls (None: until signalled)."""

    def __init__(self, exits_after=None, code=1):
        self.exits_after, self.code, self.polls, self.signalled = exits_after, code, 0, False
        self.returncode = None

    def poll(self):
        self.polls += 1
        if self.signalled or (self.exits_after is not None and self.polls > self.exits_after):
            self.returncode = -signal.SIGTERM if self.signalled else self.code
        return self.returncode

    def send_signal(self, signum):
        self.signalled = True

    def wait(self, timeout=None):
        return self.poll()


def test_a_crashed_worker_is_restarted_and_the_site_keeps_serving(monkeypatch, capsys):
    """Regression: when the worker died ("database is locked" while `plnet spam train` held the
    lock), `plnet run` stopped gunicorn too and every request got "connection refused"."""
    from plnet.core.management.commands import run

    web = FakeProcess()
    workers = [FakeProcess(exits_after=1), FakeProcess(exits_after=1), FakeProcess()]
    started = []

    def popen(argv, env):
        proc = web if "gunicorn" in argv else workers[len(started)]
        if proc is not web:
            started.append(proc)
        return proc

    clock = [1000.0]

    def sleep(seconds):
        clock[0] += seconds
        if clock[0] > 1010:
            raise KeyboardInterrupt  # Ctrl-C, ten seconds on

    monkeypatch.setattr(run.subprocess, "Popen", popen)
    monkeypatch.setattr(run.time, "sleep", sleep)
    monkeypatch.setattr(run.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(run, "_check_port_free", lambda host, port: None)
    monkeypatch.setattr(run.signal, "signal", lambda *args: None)
    call_command("run", "--port", "8013")
    out, err = capsys.readouterr()
    assert started == workers  # started, restarted after 1 s, again after 2 s
    assert "plnet worker stopped (exit code 1); starting it again in 1 s" in err
    assert "plnet worker stopped (exit code 1); starting it again in 2 s" in err
    assert web.signalled and web.polls > 10  # served until Ctrl-C, not stopped with the worker
    assert workers[2].signalled and "plnet stopped" in out


def _started_env(monkeypatch, *args):
    """The environment `plnet run ARGS` gives gunicorn and the worker (nothing is started)."""
    from plnet.core.management.commands import run

    envs = {}

    def popen(argv, env):
        envs["web" if "gunicorn" in argv else "worker"] = env
        raise KeyboardInterrupt  # stop at once: only the environment matters here

    monkeypatch.setattr(run.subprocess, "Popen", popen)
    monkeypatch.setattr(run, "_check_port_free", lambda host, port: None)
    monkeypatch.setattr(run.signal, "signal", lambda *a: None)
    with pytest.raises(KeyboardInterrupt):
        call_command("run", *args)
    return envs["web"]


def test_without_a_site_url_the_links_follow_the_port(monkeypatch):
    """Regression: `make run PORT=8001` served on :8001 while feeds, <link rel="alternate"> and
    robots.txt's Sitemap pointed to http://127.0.0.1:8000."""
    monkeypatch.delenv("PLNET_SITE_URL", raising=False)
    assert _started_env(monkeypatch, "--port", "8001")["PLNET_SITE_URL"] == "http://127.0.0.1:8001"
    every = _started_env(monkeypatch, "--host", "0.0.0.0", "--port", "8002")
    assert every["PLNET_SITE_URL"] == "http://127.0.0.1:8002"


def test_a_site_url_that_is_set_wins_over_the_port(monkeypatch):
    monkeypatch.setenv("PLNET_SITE_URL", "https://blog.example")
    assert _started_env(monkeypatch, "--port", "8001")["PLNET_SITE_URL"] == "https://blog.example"


def test_the_default_site_url_names_a_specific_host():
    from plnet.core.management.commands.run import default_site_url

    assert default_site_url("192.0.2.4", 8080) == "http://192.0.2.4:8080"
    assert default_site_url("::", 8001) == "http://127.0.0.1:8001"
    assert default_site_url("fe80::1", 8001) == "http://[fe80::1]:8001"
