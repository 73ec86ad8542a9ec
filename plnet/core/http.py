"""The one door to the outside world: every outbound HTTP request plnet makes goes through `fetch`.

It applies, on every request and on every redirect:
- an SSRF guard: the host name is resolved here, and every resolved address must be global
  (not private, loopback, link-local, multicast, reserved, …) unless it lies inside one of the
  allowed networks (PLNET_FETCH_ALLOWED_NETWORKS). The connection is then made to the checked
  address itself, so a second DNS answer cannot swap in another one (no rebinding window);
- a total deadline (a server that trickles bytes is cut off), a size cap on the body,
  a bounded number of redirects, and plnet's User-Agent;
- no proxies from the environment, no cookies kept between calls.

`fetch` opens and closes its own connection; a `Session` keeps connections alive between many
fetches (the reader's refresh), each one opened through the same guard and reused only for the
host name it was checked for.

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
# What httpx's own Client asks for: every content coding its installed decoders can read.
ACCEPT_ENCODING = ", ".join(
    k
    for k in getattr(httpx._decoders, "SUPPORTED_DECODERS", ("gzip", "deflate"))
    if k != "identity"
)
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


class Session:
    """Guarded connections kept alive between fetches: for many requests in a row (a refresh of
    the reader's feeds), where building a client and a TCP connection per request would cost more
    than a 304 answer itself.

    Every new connection goes through `GuardedBackend.connect_tcp` (resolve, check every address,
    connect to the checked one). A kept connection is reused only for the same origin (scheme,
    host name, port) it was opened and checked for, so a request to another host name, or a
    redirect to one, always opens (and checks) a connection of its own. Idle connections are
    closed after `keepalive_expiry` seconds. No cookies are kept (requests go to the transport
    without a cookie jar). Thread-safe: one Session may serve a pool of threads. Close it (or use
    it as a context manager) to close its connections.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        resolver: Resolver | None = None,
        *,
        keepalive_expiry: float = 5.0,
        max_keepalive_connections: int = 20,
    ):
        self.policy = policy or default_policy()
        self.resolver = resolver or system_resolver
        limits = httpx.Limits(
            max_connections=100,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
        )
        self._transport = httpx.HTTPTransport(retries=0, verify=_ssl_context(), limits=limits)
        # httpx offers no public hook for the network backend; swap it on the pool it built.
        self._transport._pool._network_backend = GuardedBackend(
            self.resolver, self.policy.allowed_networks
        )
        self._headers = httpx.Headers(
            {
                "User-Agent": self.policy.user_agent,
                "Accept": "*/*",
                "Accept-Encoding": ACCEPT_ENCODING,
            }
        )
        self._timeout = httpx.Timeout(min(self.policy.timeout, 10.0)).as_dict()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every kept connection."""
        self._transport.close()

    def _send(self, method: str, url: str, headers, data) -> httpx.Response:
        merged = self._headers.copy()
        if headers:
            merged.update(headers)
        body = {"content": data} if isinstance(data, bytes) else {"data": data}
        request = httpx.Request(
            method, url, headers=merged, extensions={"timeout": self._timeout}, **body
        )
        response = self._transport.handle_request(request)
        response.request = request
        return response

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | bytes | None = None,
        follow_redirects: bool = True,
    ) -> FetchResponse:
        """Make one guarded HTTP request with this session's policy; see `fetch`."""
        policy = self.policy
        deadline = time.monotonic() + policy.timeout
        redirects: list[tuple[int, str]] = []
        seen = {url}
        while True:
            check_url(url)
            try:
                response = self._send(method, url, headers, data)
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


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | bytes | None = None,
    policy: FetchPolicy | None = None,
    resolver: Resolver | None = None,
    follow_redirects: bool = True,
    session: Session | None = None,
) -> FetchResponse:
    """Make one guarded HTTP request and return the whole (capped) response.

    Any status is returned as a FetchResponse; only refusals and transport failures raise
    (subclasses of FetchError). POST bodies are not re-sent on 303 or on 301/302 (browsers' rule).
    With `session`, its kept connections, policy and resolver are used (passing `policy` or
    `resolver` too is a ValueError); without, a one-request Session is opened and closed.
    """
    options = {
        "method": method, "headers": headers, "data": data, "follow_redirects": follow_redirects
    }  # fmt: skip
    if session is not None:
        if policy is not None or resolver is not None:
            raise ValueError("pass policy and resolver to the Session, not to fetch")
        return session.fetch(url, **options)
    with Session(policy, resolver) as one:
        return one.fetch(url, **options)
