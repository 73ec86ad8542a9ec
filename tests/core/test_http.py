"""plnet.core.http: the guarded outbound client. Private addresses are refused before connecting."""

import socket

import pytest

from plnet.core import http
from plnet.core.http import BlockedAddress, FetchPolicy, TooLarge, TooManyRedirects, fetch

LOOPBACK = FetchPolicy(timeout=5, allowed_networks=(http.ipaddress.ip_network("127.0.0.0/8"),))


def stub_resolver(mapping):
    def resolve(host, port):
        return mapping[host]

    return resolve


@pytest.fixture
def no_connect(monkeypatch):
    """Fail if any socket connection is attempted at all."""
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "::1", "fc00::1",
     "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_private_addresses_are_refused_before_any_connection(address, no_connect):
    resolver = stub_resolver({"blog.example": [address]})
    with pytest.raises(BlockedAddress, match=address.split(":")[-1]):
        fetch("http://blog.example/post", policy=FetchPolicy(), resolver=resolver)
    assert no_connect == []


def test_refusal_says_why_and_how_to_allow_it(no_connect):
    resolver = stub_resolver({"intranet.example": ["10.0.0.7"]})
    with pytest.raises(BlockedAddress) as refused:
        fetch("http://intranet.example/", policy=FetchPolicy(), resolver=resolver)
    assert "private or local address" in str(refused.value)
    assert "PLNET_FETCH_ALLOWED_NETWORKS" in str(refused.value)


def test_one_private_address_among_public_ones_is_refused(no_connect):
    resolver = stub_resolver({"blog.example": ["93.184.215.14", "10.0.0.5"]})
    with pytest.raises(BlockedAddress):
        fetch("http://blog.example/", policy=FetchPolicy(), resolver=resolver)
    assert no_connect == []


def test_hostname_resolving_to_loopback_is_refused_without_allow_setting(local_server, no_connect):
    resolver = stub_resolver({"sneaky.example": ["127.0.0.1"]})
    with pytest.raises(BlockedAddress):
        fetch(
            f"http://sneaky.example:{local_server.port}/", policy=FetchPolicy(), resolver=resolver
        )
    assert local_server.requests == []


def test_redirect_to_private_address_is_refused(local_server):
    local_server.routes["/start"] = (302, {"Location": "http://intranet.example/admin"}, b"")
    resolver = stub_resolver({"127.0.0.1": ["127.0.0.1"], "intranet.example": ["192.168.0.10"]})
    with pytest.raises(BlockedAddress, match="192.168.0.10"):
        fetch(local_server.url("/start"), policy=LOOPBACK, resolver=resolver)
    assert [r[1] for r in local_server.requests] == ["/start"]


def test_allowed_network_is_fetched(local_server):
    local_server.routes["/feed"] = (200, {"Content-Type": "text/plain"}, b"hello")
    response = fetch(local_server.url("/feed"), policy=LOOPBACK)
    assert (response.status, response.content) == (200, b"hello")
    assert local_server.requests[0][2]["User-Agent"].startswith("plnet/")


def test_size_cap(local_server):
    local_server.routes["/big"] = (200, {}, b"x" * 2000)
    policy = FetchPolicy(timeout=5, max_bytes=1000, allowed_networks=LOOPBACK.allowed_networks)
    with pytest.raises(TooLarge):
        fetch(local_server.url("/big"), policy=policy)


def test_redirect_loop_is_bounded(local_server):
    local_server.routes["/a"] = (301, {"Location": "/b"}, b"")
    local_server.routes["/b"] = (301, {"Location": "/a"}, b"")
    with pytest.raises(TooManyRedirects):
        fetch(local_server.url("/a"), policy=LOOPBACK)


def test_permanent_redirect_is_reported(local_server):
    local_server.routes["/old"] = (301, {"Location": "/new"}, b"")
    local_server.routes["/new"] = (200, {}, b"ok")
    response = fetch(local_server.url("/old"), policy=LOOPBACK)
    assert response.url == local_server.url("/new")
    assert response.permanent is True


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/", "http:///nohost", "gopher://a"])
def test_non_http_urls_are_refused(url):
    with pytest.raises(http.InvalidURL):
        fetch(url, policy=LOOPBACK)


# --- Session: kept-alive connections, still guarded -----------------------------------------


def _record_peer(body=b"ok", headers=None):
    """A route answering 200 and recording the client's (address, port): one port = one TCP
    connection, so two requests from the same port went over a kept-alive connection."""
    peers = []

    def route(handler):
        peers.append(handler.client_address)
        handler.send_response(200)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route, peers


def test_session_keeps_the_connection_alive_for_the_same_host(local_server):
    local_server.routes["/a"], peers = _record_peer()
    local_server.routes["/b"] = local_server.routes["/a"]
    with http.Session(LOOPBACK) as session:
        first = session.fetch(local_server.url("/a"))
        second = session.fetch(local_server.url("/b"))
    assert (first.status, second.status, second.content) == (200, 200, b"ok")
    assert len(peers) == 2 and peers[0] == peers[1]


def test_session_connection_close_asks_for_a_new_connection_next_time(local_server):
    local_server.routes["/a"], peers = _record_peer()
    with http.Session(LOOPBACK) as session:
        session.fetch(local_server.url("/a"), headers={"Connection": "close"})
        session.fetch(local_server.url("/a"))
    assert local_server.requests[0][2]["Connection"] == "close"
    assert len(peers) == 2 and peers[0] != peers[1]


def test_a_kept_connection_is_not_reused_for_another_host_name(local_server):
    """A connection opened (and checked) for one host name serves that name only: another name
    on the same address and port is resolved and checked again, on a connection of its own."""
    local_server.routes["/a"], peers = _record_peer()
    resolved = []

    def resolver(host, port):
        resolved.append(host)
        return ["127.0.0.1"]

    port = local_server.port
    with http.Session(LOOPBACK, resolver) as session:
        session.fetch(f"http://one.example:{port}/a")
        session.fetch(f"http://one.example:{port}/a")
        session.fetch(f"http://two.example:{port}/a")
    assert resolved == ["one.example", "two.example"]
    assert peers[0] == peers[1] and peers[2] != peers[0]


def test_a_kept_connection_does_not_bypass_the_guard_for_a_private_host(local_server, monkeypatch):
    """With a live kept connection to 127.0.0.1:port, a host name resolving to a refused address
    on that same port is refused before any connection (the pool is keyed by host name)."""
    local_server.routes["/a"] = (200, {}, b"ok")
    resolver = stub_resolver({"allowed.example": ["127.0.0.1"], "intranet.example": ["10.0.0.9"]})
    connects, real_connect = [], socket.socket.connect

    def recording_connect(self, address):
        connects.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    port = local_server.port
    with http.Session(LOOPBACK, resolver) as session:
        session.fetch(f"http://allowed.example:{port}/a")
        assert connects == [("127.0.0.1", port)]
        with pytest.raises(BlockedAddress, match="10.0.0.9"):
            session.fetch(f"http://intranet.example:{port}/a")
    assert connects == [("127.0.0.1", port)]
    assert [r[1] for r in local_server.requests] == ["/a"]


def test_a_redirect_from_a_kept_connection_to_a_private_host_is_refused(local_server):
    local_server.routes["/a"] = (200, {}, b"ok")
    local_server.routes["/go"] = (302, {"Location": "http://intranet.example/admin"}, b"")
    resolver = stub_resolver({"127.0.0.1": ["127.0.0.1"], "intranet.example": ["192.168.0.10"]})
    with http.Session(LOOPBACK, resolver) as session:
        assert session.fetch(local_server.url("/a")).status == 200
        with pytest.raises(BlockedAddress, match="192.168.0.10"):
            session.fetch(local_server.url("/go"))
    assert [r[1] for r in local_server.requests] == ["/a", "/go"]


def test_a_session_keeps_no_cookies(local_server):
    local_server.routes["/set"] = (200, {"Set-Cookie": "id=secret; Path=/"}, b"ok")
    local_server.routes["/next"] = (200, {}, b"ok")
    with http.Session(LOOPBACK) as session:
        session.fetch(local_server.url("/set"))
        session.fetch(local_server.url("/next"))
    assert "Cookie" not in local_server.requests[1][2]


def test_default_headers_and_gzip_decoding(local_server):
    import gzip

    local_server.routes["/z"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello " * 50))
    response = fetch(local_server.url("/z"), policy=LOOPBACK)
    assert response.content == b"hello " * 50
    sent = local_server.requests[0][2]
    assert sent["Accept"] == "*/*" and "gzip" in sent["Accept-Encoding"]
    assert sent["User-Agent"] == LOOPBACK.user_agent


def test_fetch_with_a_session_takes_no_second_policy(local_server):
    with http.Session(LOOPBACK) as session, pytest.raises(ValueError):
        fetch(local_server.url("/"), session=session, policy=LOOPBACK)
