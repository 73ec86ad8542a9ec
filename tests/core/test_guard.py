"""The test suite's own network guard: names do not resolve and non-loopback connections fail."""

import socket

import pytest

from tests import conftest


def test_names_do_not_resolve_in_tests():
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.org", 80)


def test_loopback_literals_and_localhost_resolve():
    assert socket.getaddrinfo("127.0.0.1", 80)[0][4][0] == "127.0.0.1"
    assert socket.getaddrinfo("localhost", 80)


def test_non_loopback_connections_fail_before_any_packet(monkeypatch):
    reached = []
    monkeypatch.setattr(conftest, "_real_connect", lambda sock, address: reached.append(address))
    with socket.socket() as s, pytest.raises(AssertionError, match="non-loopback"):
        s.connect(("192.0.2.1", 80))
    assert reached == []  # the real connect was never called
