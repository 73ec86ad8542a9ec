"""The address of the person making a request, also when plnet runs behind a reverse proxy.

Behind nginx or Caddy every request comes from the proxy's own address (REMOTE_ADDR), and the
proxy names the client in `X-Forwarded-For: client, proxy1, proxy2` (each proxy appends the
address it received the request from). Only the proxies we run may be believed: anything left of
them was written by whoever sent the request and can be forged. So, with PLNET_TRUSTED_PROXIES
set, `client_ip` walks the header from the right, past our own proxies, and takes the first
address that is not one of them. Without it (the default), or when REMOTE_ADDR is not a trusted
proxy, or the header is malformed, REMOTE_ADDR is the answer.

Sign-in throttling (django-axes, through AXES_CLIENT_IP_CALLABLE), the comment rate per address,
the stored comment and linkback addresses all ask this one function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request) -> str:
    """The client's IP address as a string ("" when the server gave none).

    REMOTE_ADDR unless it is one of settings.PLNET.trusted_proxies; then the right-most address
    of X-Forwarded-For that is not itself a trusted proxy (the left-most one when all of them
    are). A header that is missing, empty, or holds anything but IP addresses (an IPv4 address
    may carry a :port, an IPv6 one may be written [addr] or [addr]:port) gives REMOTE_ADDR.
    IPv4-mapped IPv6 addresses (::ffff:192.0.2.1) are given as IPv4, so one client counts as
    one whichever way the server wrote it.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    trusted = settings.PLNET.trusted_proxies
    remote_ip = parse_address(remote)
    if remote_ip is None:
        return remote
    if not trusted or not _in_any(remote_ip, trusted):
        return str(remote_ip)
    forwarded = forwarded_chain(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if not forwarded:
        return str(remote_ip)
    return str(rightmost_untrusted(forwarded, trusted))


def forwarded_chain(header: str) -> list[Address] | None:
    """The addresses of an X-Forwarded-For value, left to right; None when it is empty or any
    element is not an address (a forged or broken header is not half-believed)."""
    parts = [part.strip() for part in header.split(",")]
    if not header.strip() or len(parts) > 100:
        return None
    chain = [parse_address(part) for part in parts]
    return None if any(ip is None for ip in chain) else chain


def rightmost_untrusted(chain: list[Address], trusted: Iterable[Network]) -> Address:
    """The right-most address of chain not in a trusted network; the left-most when all are."""
    trusted = tuple(trusted)
    for ip in reversed(chain):
        if not _in_any(ip, trusted):
            return ip
    return chain[0]


def parse_address(text: str) -> Address | None:
    """An IP address from text as servers and proxies write it: "192.0.2.1", "192.0.2.1:443",
    "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:443". None for anything else (names,
    ranges, scoped IPv6 addresses such as fe80::1%eth0, empty text)."""
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not _is_port(rest)):
            return None
        text = host
    elif text.count(":") == 1:  # IPv4 with a port (an IPv6 address has two colons or more)
        text, _, port = text.partition(":")
        if not _is_port(":" + port):
            return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return None
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
    return ip


def _is_port(text: str) -> bool:
    return text.startswith(":") and text[1:].isascii() and text[1:].isdigit()


def _in_any(ip: Address, networks: Iterable[Network]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)
