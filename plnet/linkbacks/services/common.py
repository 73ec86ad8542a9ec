"""What receiving and sending share: limits, the refusal raised to senders, which post a target
names, the per-host rate limit, and fetching a source at most once a minute."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from plnet.core.http import (
    BlockedAddress,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    fetch,
)
from plnet.protocols import pingback as pingback_protocol
from plnet.protocols.webmention import (
    is_http_url,
)
from plnet.publishing.models import LegacyURL, Post

from ..models import InboundHit, ReceivedLinkback, SourceFetch

REFETCH_AFTER = timedelta(seconds=60)  # the same source is fetched at most once a minute
RATE_WINDOW = timedelta(hours=1)
LEASE = timedelta(minutes=10)  # a queued task's row is not re-queued by the tick before this
MAX_ATTEMPTS = 6
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, 8, 16 minutes between attempts
MAX_LINKS_PER_POST = 100
MAX_CONTENT_CHARS = 20_000
MAX_URL_CHARS = 1000  # the length of the URL columns
PINGBACK_TIMEOUT = 8.0  # seconds: the pinging server waits for our answer
# §3.2.2: the receiver SHOULD say which content types it prefers for the source.
SOURCE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, */*;q=0.1"
POST_VIEWS = {"publishing:post", "publishing:post_by_int", "publishing:page"}


class LinkbackRefused(Exception):
    """A received linkback refused before anything is stored.

    `error` is a short code (Webmention's vocabulary), `status` the HTTP status to answer,
    `fault` the pingback fault code, str() a sentence for the sender.
    """

    def __init__(self, error: str, message: str, *, status: int = 400, fault: int = 0):
        super().__init__(message)
        self.error, self.message, self.status, self.fault = error, message, status, fault


# ------------------------------------------------------------------------------- targets ---


def host_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def is_ours(url: str, request_host: str | None) -> bool:
    ours = {host_of(settings.SITE_URL)}
    if request_host:
        ours.add(host_of(f"http://{request_host}"))
    return host_of(url) in ours


def post_for_target(target: str, request_host: str | None = None) -> Post:
    """The published post or page of this site that target names.

    Raises LinkbackRefused: "invalid_target" (pingback fault 32) when target is not a page of
    this site, "target_not_supported" (fault 33) when it is a page that takes no linkbacks
    (home, archives, or a post whose pings are closed).
    """
    if not is_ours(target, request_host):
        raise LinkbackRefused("invalid_target", "The target is not on this site.", fault=32)
    parts = urlsplit(target)
    path = unquote(parts.path or "/")  # slugs may be non-ASCII: permalinks arrive %-encoded
    legacy = LegacyURL.objects.filter(
        path__in=[f"{path}?{parts.query}" if parts.query else path, path]
    ).first()
    if legacy and legacy.post.is_public:
        post = legacy.post
    else:
        try:
            match = resolve(path)
        except Resolver404:
            raise LinkbackRefused(
                "invalid_target", "The target does not exist on this site.", fault=32
            ) from None
        if match.view_name not in POST_VIEWS:
            raise LinkbackRefused(
                "target_not_supported",
                "The target is not a post: only posts and pages take linkbacks.",
                fault=33,
            )
        post = _published_post_at(path)
    if post.ping_status != Post.CommentStatus.OPEN:
        raise LinkbackRefused(
            "target_not_supported", "The target post does not accept linkbacks.", fault=33
        )
    return post


def _published_post_at(path: str) -> Post:
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    for post in Post.objects.published().filter(slug=slug):
        if unquote(post.get_absolute_url()) == path:
            return post
    raise LinkbackRefused("invalid_target", "The target does not exist on this site.", fault=32)


def post_url(post: Post) -> str:
    """The absolute permalink of post on this site."""
    return settings.SITE_URL.rstrip("/") + post.get_absolute_url()


# ---------------------------------------------------------------------------- rate limits ---


def count_hit(source_host: str, remote_ip: str | None) -> None:
    """Record one accepted request from source_host; raise LinkbackRefused (429, fault 49) when
    the host already had PLNET_LINKBACK_HOST_LIMIT requests in the last hour.
    """
    since = timezone.now() - RATE_WINDOW
    limit = settings.PLNET.linkback_host_limit
    if InboundHit.objects.filter(source_host=source_host, at__gte=since).count() >= limit:
        raise LinkbackRefused(
            "rate_limited",
            f"Too many Webmentions and pingbacks from {source_host}; try again in an hour.",
            status=429,
            fault=pingback_protocol.ACCESS_DENIED,
        )
    InboundHit.objects.create(source_host=source_host, remote_ip=remote_ip)


# ----------------------------------------------------------------------- fetching sources ---


def source_document(
    url: str, *, since, policy: FetchPolicy | None = None
) -> tuple[SourceFetch | None, SourceFetch | None]:
    """The source as fetched at or after `since`, fetching it now if allowed.

    Returns (document, None) when a fetch at or after `since` exists or was just made, and
    (None, last) when the last fetch is older than `since` but younger than REFETCH_AFTER (the
    caller retries at last.fetched_at + REFETCH_AFTER). Fetch failures are recorded in `error`.
    """
    last = SourceFetch.objects.filter(url=url).first()
    now = timezone.now()
    if last and last.fetched_at >= since:
        return last, None
    if last and last.fetched_at > now - REFETCH_AFTER:
        return None, last
    values = {"fetched_at": timezone.now(), "final_url": "", "status": None, "content_type": ""}
    values.update(body="", error="", timed_out=False, blocked=False)
    try:
        response = fetch(url, policy=policy, headers={"Accept": SOURCE_ACCEPT})
    except FetchError as exc:
        values.update(
            error=str(exc)[:500],
            timed_out=isinstance(exc, FetchTimeout),
            blocked=isinstance(exc, BlockedAddress),
        )
    else:
        values.update(
            final_url=response.url[:1000],
            status=response.status,
            content_type=response.headers.get("content-type", "")[:200],
            body=response.text,
        )
    document, _ = SourceFetch.objects.update_or_create(url=url, defaults=values)
    return document, None


def request_meta(linkback: ReceivedLinkback) -> dict:
    return {
        "REMOTE_ADDR": linkback.remote_ip or "",
        "HTTP_USER_AGENT": linkback.user_agent,
        "linkback_protocol": linkback.protocol,
        "linkback_source": linkback.source,
    }


def http_or_blank(url: str) -> str:
    return url[:1000] if url and is_http_url(url) else ""
