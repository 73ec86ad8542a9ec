"""The one door to the outside world: every outbound HTTP request plnet makes goes through `fetch`.

It applies, on every request and on every redirect:
- an SSRF guard: the host name is resolved here, and every resolved address must be global
  (not private, loopback, link-local, multicast, reserved, …) unless it lies inside one of the
  allowed networks (PLNET_FETCH_ALLOWED_NETWORKS). The connection is then made to the checked
  address itself, so a second DNS answer cannot swap in another one (no rebinding window);
- a total deadline (a server that trickles bytes is cut off), a size cap on the body,
  a bounded number of redirects, and plnet's User-Agent;
- no proxies from the environment, no cookies kept between calls.

Tests swap the resolver (`resolver=`) to map names to private addresses and check that the request
is refused before any connection is attempted.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

import plnet

Resolver = Callable[[str, int], list[str]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_CODES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECT_CODES = {301, 308}


class FetchError(Exception):
    """Base of every refusal or failure of `fetch`; str() is a sentence fit to show a person."""


class BlockedAddress(FetchError):
    """The URL's host resolves to an address plnet may not reach (SSRF guard)."""


class InvalidURL(FetchError):
    """The URL is not an absolute http(s) URL with a host."""


class TooLarge(FetchError):
    """The response body is larger than the size cap."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class FetchTimeout(FetchError):
    """The request did not finish within the deadline."""


class ConnectionFailed(FetchError):
    """DNS, TCP or TLS failed, or the server closed the connection."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch: seconds in all, body bytes, redirects, and the private networks allowed."""

    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allowed_networks: tuple[Network, ...] = ()
    user_agent: str = f"plnet/{plnet.__version__}"


@dataclass
class FetchResponse:
    """What came back: final URL, status, headers, body bytes, and the redirect chain.

    `redirects` lists (status, from_url) for each redirect followed; `permanent` is True when every
    redirect followed was permanent (301/308), so a caller may update a stored URL to `url`.
    """

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    redirects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def permanent(self) -> bool:
        return bool(self.redirects) and all(
            c in PERMANENT_REDIRECT_CODES for c, _ in self.redirects
        )

    @property
    def text(self) -> str:
        """The body decoded with the charset of Content-Type, else UTF-8 with replacement.

        `content` is already decompressed, so only Content-Type is passed on (passing
        Content-Encoding too would decompress it a second time and fail).
        """
        content_type = {"content-type": self.headers.get("content-type", "")}
        return httpx.Response(200, headers=content_type, content=self.content).text


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve host to a list of IP address strings with the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectionFailed(f"cannot resolve {host}: {exc.strerror}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def is_allowed_address(address: str, allowed_networks: Iterable[Network] = ()) -> bool:
    """True when the IP address string is global, or inside one of allowed_networks."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed_networks):
        return True
    return ip.is_global and not ip.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    """An httpcore network backend that resolves, checks and connects to the checked address."""

    def __init__(self, resolver: Resolver, allowed_networks: tuple[Network, ...]):
        super().__init__()
        self.resolver = resolver
        self.allowed_networks = allowed_networks

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self.resolver(host, port)
        if not addresses:
            raise ConnectionFailed(f"{host} has no address")
        for address in addresses:
            if not is_allowed_address(address, self.allowed_networks):
                raise BlockedAddress(
                    f"{host} resolves to {address}, a private or local address that plnet does"
                    " not fetch (an administrator can allow it with PLNET_FETCH_ALLOWED_NETWORKS)"
                )
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


def check_url(url: str) -> None:
    """Raise InvalidURL unless url is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidURL(f"not an http(s) URL: {url[:200]}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InvalidURL(f"bad port in URL: {url[:200]}") from None


def default_policy() -> FetchPolicy:
    """The policy from plnet's settings (PLNET_FETCH_*)."""
    from django.conf import settings

    cfg = settings.PLNET
    return FetchPolicy(
        timeout=float(cfg.fetch_timeout),
        max_bytes=cfg.fetch_max_bytes,
        allowed_networks=cfg.fetch_allowed_networks,
        user_agent=f"plnet/{plnet.__version__} (+{cfg.site_url})",
    )


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every fetch: loading the CA bundle takes ~50-100 ms, which
    would otherwise be paid on every request (a 304 answer costs a few ms). Thread-safe to share."""
    return httpx.create_ssl_context()


def _client(policy: FetchPolicy, resolver: Resolver) -> httpx.Client:
    transport = httpx.HTTPTransport(retries=0, verify=_ssl_context())
    # httpx offers no public hook for the network backend; swap it on the pool it built.
    transport._pool._network_backend = GuardedBackend(resolver, policy.allowed_networks)
    per_op = min(policy.timeout, 10.0)
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(per_op),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": policy.user_agent},
    )


def _read_capped(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise TooLarge(
            f"response is {int(declared):,} bytes, over the {policy.max_bytes:,}-byte cap"
        )
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > policy.max_bytes:
            raise TooLarge(f"response is over the {policy.max_bytes:,}-byte cap")
        if time.monotonic() > deadline:
            raise FetchTimeout(f"no complete answer within {policy.timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | bytes | None = None,
    policy: FetchPolicy | None = None,
    resolver: Resolver | None = None,
    follow_redirects: bool = True,
) -> FetchResponse:
    """Make one guarded HTTP request and return the whole (capped) response.

    Any status is returned as a FetchResponse; only refusals and transport failures raise
    (subclasses of FetchError). POST bodies are not re-sent on 303 or on 301/302 (browsers' rule).
    """
    policy = policy or default_policy()
    resolver = resolver or system_resolver
    deadline = time.monotonic() + policy.timeout
    redirects: list[tuple[int, str]] = []
    seen = {url}
    with _client(policy, resolver) as client:
        while True:
            check_url(url)
            body = {"content": data} if isinstance(data, bytes) else {"data": data}
            try:
                request = client.build_request(method, url, headers=headers, **body)
                response = client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchTimeout(f"no answer from {urlsplit(url).hostname} in time") from None
            except FetchError:
                raise
            except (httpx.HTTPError, httpcore.ConnectError, OSError) as exc:
                raise ConnectionFailed(
                    f"cannot connect to {urlsplit(url).hostname}: {exc}"
                ) from None
            try:
                if follow_redirects and response.status_code in REDIRECT_CODES:
                    location = response.headers.get("location")
                    if location:
                        redirects.append((response.status_code, url))
                        url = urljoin(url, location.strip())
                        if len(redirects) > policy.max_redirects or url in seen:
                            raise TooManyRedirects(f"too many redirects (last to {url[:200]})")
                        seen.add(url)
                        if response.status_code in {301, 302, 303} and method == "POST":
                            method, data = "GET", None
                        continue
                content = _read_capped(response, policy, deadline)
            except httpx.TimeoutException:
                raise FetchTimeout(f"no complete answer within {policy.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise ConnectionFailed(
                    f"the connection to {urlsplit(url).hostname} failed: {exc}"
                ) from None
            finally:
                response.close()
            return FetchResponse(
                url=url,
                status=response.status_code,
                headers=response.headers,
                content=content,
                redirects=redirects,
            )
