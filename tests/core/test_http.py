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
