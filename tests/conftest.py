"""Shared test fixtures: the corpus path, a loopback-only network, and a local HTTP server.

Every test runs with a socket guard: a connection to any address outside 127.0.0.0/8 and ::1
fails the test at once, and host names other than localhost do not resolve (no DNS query leaves
the machine), so no test can reach the internet or a private network by mistake.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The shared corpus of real inputs sits beside the repository (../shared/corpus); a clone kept
# elsewhere points PLNET_TEST_CORPUS at it.
CORPUS = Path(
    os.environ.get("PLNET_TEST_CORPUS") or REPO_ROOT / ".." / "shared" / "corpus"
).resolve()


def pytest_configure(config):
    if not (CORPUS / "SOURCES.md").is_file():
        pytest.exit(
            f"the test corpus is not at {CORPUS}: the tests read real inputs from the project's "
            "shared/corpus folder. Put it beside this repository (../shared/corpus) or set "
            "PLNET_TEST_CORPUS to its path.",
            returncode=4,
        )


_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo
_real_connect_ex = socket.socket.connect_ex


def _check_loopback(address) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise AssertionError(
                f"test tried to connect to a name, not an address: {host}"
            ) from None
        if not ip.is_loopback:
            raise AssertionError(f"test tried to connect to non-loopback address {host}")


def _guarded_connect(self, address):
    _check_loopback(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_loopback(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    """Resolve only IP literals and localhost: any other name would send a DNS query out."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is None or name == "localhost":
        return _real_getaddrinfo(host, *args, **kwargs)
    try:
        ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve no names ({name})") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse any connection to a non-loopback address, and any DNS look-up, during a test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the database is rolled back after each test; the
    in-memory cache would otherwise carry, say, the site navigation into the next one)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder (../shared/corpus from the repo root)."""
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def allow_loopback_fetch(settings):
    """Let plnet.core.http fetch from 127.0.0.0/8 (as an intranet install would allow)."""
    settings.PLNET = dataclasses.replace(
        settings.PLNET,
        fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        fetch_timeout=5,
    )
    return settings.PLNET


Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 serving a dict of routes.

    `routes[path]` is (status, headers, body) or a callable taking the request handler.
    Requests are recorded in `requests` as (method, path, headers dict, body bytes).
    """

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, self.path, dict(self.headers), body))
                self.request_body = body
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    status, headers, content = 404, {"Content-Type": "text/plain"}, b"not found"
                elif callable(route):
                    route(self)
                    return
                else:
                    status, headers, content = route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if not any(k.lower() == "content-length" for k in headers):
                    self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server():
    """A running LocalServer on loopback; add routes with server.routes[path] = (status, headers, body)."""
    with LocalServer() as server:
        yield server
