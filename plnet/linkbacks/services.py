"""The verbs of linkbacks: receiving and verifying Webmentions and pingbacks, and sending them.

Receiving (Webmention §3.2): `receive_webmention` checks cheaply, stores, and leaves the fetch to
a task (`verify_webmention`); `receive_pingback` verifies synchronously (decision 0002). Both count
against the per-source-host rate limit, and a source URL is fetched at most once a minute however
many targets it names (`source_document`). What is verified becomes a `conversation.Comment`
through `place_incoming`, the one door to moderation and the spam layers.

Sending (Webmention §3.1, Pingback §2–3): `send_linkbacks_for_post` logs one `OutgoingLinkback`
per link and queues a task per row; `send_linkback` discovers, sends, records the answer and
schedules retries with exponential backoff; `notify_post_deleted` re-sends Webmentions for a post
that is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.html import escape

from plnet.conversation.models import Comment
from plnet.conversation.services import place_incoming
from plnet.core.html import clean_comment_html
from plnet.core.http import (
    BlockedAddress,
    FetchError,
    FetchPolicy,
    FetchTimeout,
    InvalidURL,
    default_policy,
    fetch,
)
from plnet.protocols import pingback as pingback_protocol
from plnet.protocols.html import absolutize
from plnet.protocols.microformats import SourceEntry, parse_source
from plnet.protocols.webmention import (
    WebmentionError,
    check_request,
    discover_endpoint,
    is_gone_page,
    is_http_url,
    links_in,
    normalize_url,
    source_links_to,
)
from plnet.publishing.models import LegacyURL, Post

from .models import InboundHit, OutgoingLinkback, ReceivedLinkback, SourceFetch

log = logging.getLogger("plnet.linkbacks")

REFETCH_AFTER = timedelta(seconds=60)  # the same source is fetched at most once a minute
RATE_WINDOW = timedelta(hours=1)
LEASE = timedelta(minutes=10)  # a queued task's row is not re-queued by the tick before this
MAX_ATTEMPTS = 6
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, 8, 16 minutes between attempts
MAX_LINKS_PER_POST = 100
MAX_CONTENT_CHARS = 20_000
MAX_URL_CHARS = 1000  # the length of the URL columns
PINGBACK_TIMEOUT = 8.0  # seconds: the pinging server waits for our answer
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


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _is_ours(url: str, request_host: str | None) -> bool:
    ours = {_netloc(settings.SITE_URL)}
    if request_host:
        ours.add(_netloc(f"http://{request_host}"))
    return _netloc(url) in ours


def post_for_target(target: str, request_host: str | None = None) -> Post:
    """The published post or page of this site that target names.

    Raises LinkbackRefused: "invalid_target" (pingback fault 32) when target is not a page of
    this site, "target_not_supported" (fault 33) when it is a page that takes no linkbacks
    (home, archives, or a post whose pings are closed).
    """
    if not _is_ours(target, request_host):
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
    values.update(body="", error="", timed_out=False)
    try:
        response = fetch(url, policy=policy)
    except FetchError as exc:
        values.update(error=str(exc)[:500], timed_out=isinstance(exc, FetchTimeout))
    else:
        values.update(
            final_url=response.url[:1000],
            status=response.status,
            content_type=response.headers.get("content-type", "")[:200],
            body=response.text,
        )
    document, _ = SourceFetch.objects.update_or_create(url=url, defaults=values)
    return document, None


# -------------------------------------------------------------------- receiving Webmention ---


def receive_webmention(
    source: str | None,
    target: str | None,
    *,
    request_host: str | None = None,
    remote_ip: str | None = None,
    user_agent: str = "",
) -> ReceivedLinkback:
    """Accept a Webmention (§3.2.1): check it, store it queued, verify it after commit in a task.

    A repeat of a known (source, target) is queued again (§3.2.2: update or delete follows from
    what the source says then). Raises LinkbackRefused (400 with a reason, or 429).
    """
    try:
        source, target = check_request(source, target)
    except WebmentionError as exc:
        raise LinkbackRefused(exc.error, exc.description) from None
    if len(source) > MAX_URL_CHARS or len(target) > MAX_URL_CHARS:
        raise LinkbackRefused(
            "invalid_request", f"URLs longer than {MAX_URL_CHARS} characters are refused."
        )
    post = post_for_target(target, request_host)
    host = _netloc(source)
    with transaction.atomic():
        count_hit(host, remote_ip)
        linkback = _queue(source, target, host, post, remote_ip, user_agent)
    from .tasks import verify_webmention_task

    transaction.on_commit(lambda: verify_webmention_task.enqueue(linkback.pk))
    return linkback


def _queue(source, target, host, post, remote_ip, user_agent) -> ReceivedLinkback:
    now = timezone.now()
    linkback, created = ReceivedLinkback.objects.select_for_update().get_or_create(
        protocol=ReceivedLinkback.Protocol.WEBMENTION,
        source=source,
        target=target,
        defaults={"post": post, "source_host": host},
    )
    if not created:
        linkback.move_to(ReceivedLinkback.State.QUEUED, "sent again")
    linkback.post = post
    linkback.received_at = now
    linkback.next_check_at = now + LEASE
    linkback.remote_ip = remote_ip
    linkback.user_agent = (user_agent or "")[:500]
    linkback.save()
    return linkback


def verify_webmention(linkback_id: int) -> ReceivedLinkback | None:
    """Verify a queued Webmention (§3.2.2) and create, update or remove its comment.

    Fetches the source (at most once a minute per source: a too-recent fetch postpones the check
    to `next_check_at`), then: HTTP 410 or a "410 Gone" meta → the comment is removed (deleted);
    no link to the target → removed if it existed, else refused; a link → the comment is created
    or updated from the source's microformats. Does nothing for a row not queued (idempotent).
    """
    linkback = ReceivedLinkback.objects.filter(pk=linkback_id).select_related("post").first()
    if linkback is None or linkback.state != ReceivedLinkback.State.QUEUED:
        return linkback
    document, too_recent = source_document(linkback.source, since=linkback.received_at)
    if document is None:
        linkback.next_check_at = too_recent.fetched_at + REFETCH_AFTER
        linkback.save(update_fields=["next_check_at"])
        return linkback
    with transaction.atomic():
        apply_source(linkback, document)
    return linkback


def apply_source(linkback: ReceivedLinkback, document: SourceFetch) -> None:
    """Settle a queued linkback from its fetched source document (see verify_webmention)."""
    state = ReceivedLinkback.State
    linkback.next_check_at = None
    if document.error:
        linkback.move_to(state.FAILED, f"The source could not be fetched: {document.error}")
    elif document.status == 410 or (
        document.status and is_gone_page(document.body, document.content_type)
    ):
        _remove_comment(linkback)
        linkback.move_to(state.DELETED, "The source is gone (HTTP 410).")
    elif not 200 <= (document.status or 0) < 300:
        linkback.move_to(state.FAILED, f"The source answered HTTP {document.status}.")
    elif not source_links_to(
        document.body, document.content_type, document.final_url, linkback.target
    ):
        had_comment = _remove_comment(linkback)
        linkback.move_to(
            state.DELETED if had_comment else state.REFUSED,
            "The source does not link to the target.",
        )
    else:
        entry = parse_source(document.body, document.final_url, linkback.target)
        _store_response(linkback, entry, document.final_url)
        linkback.move_to(state.VERIFIED, f"Verified: a {entry.kind}.")
    linkback.save()


def _remove_comment(linkback: ReceivedLinkback) -> bool:
    comment = linkback.comment
    if comment is None:
        return False
    linkback.comment = None
    comment.delete()
    return True


def _parent_for(post: Post, entry: SourceEntry) -> Comment | None:
    fragment = urlsplit(entry.responds_to).fragment
    if entry.kind != "reply" or not fragment.startswith("comment-"):
        return None
    number = fragment.removeprefix("comment-")
    if not number.isdigit():
        return None
    return post.comments.approved().filter(pk=int(number)).first()


def _http_or_blank(url: str) -> str:
    return url[:1000] if url and is_http_url(url) else ""


def _store_response(linkback: ReceivedLinkback, entry: SourceEntry, source_url: str) -> Comment:
    raw = entry.content_html[:MAX_CONTENT_CHARS]
    if not raw and entry.name:
        raw = escape(entry.name)
    fields = {
        "comment_type": entry.kind,
        "author_name": (entry.author.name or _netloc(source_url))[:250],
        "author_url": _http_or_blank(entry.author.url) or _http_or_blank(source_url),
        "author_photo": _http_or_blank(entry.author.photo),
        "raw_content": raw,
        "content": clean_comment_html(absolutize(raw, source_url)) if raw else "",
        "source_url": linkback.source[:1000],  # what was verified, not what the page claims
        "parent": _parent_for(linkback.post, entry),
    }
    comment = linkback.comment
    if comment is not None:
        for name, value in fields.items():
            setattr(comment, name, value)
        comment.save()
        return comment
    comment = Comment(post=linkback.post, author_ip=linkback.remote_ip, **fields)
    comment.user_agent = linkback.user_agent
    place_incoming(comment, request_meta=_request_meta(linkback))
    linkback.comment = comment
    return comment


def _request_meta(linkback: ReceivedLinkback) -> dict:
    return {
        "REMOTE_ADDR": linkback.remote_ip or "",
        "HTTP_USER_AGENT": linkback.user_agent,
        "linkback_protocol": linkback.protocol,
        "linkback_source": linkback.source,
    }


# ----------------------------------------------------------------------- receiving Pingback ---

PINGBACK_METHODS = ["pingback.ping", "pingback.extensions.getPingbacks", "system.listMethods"]


def handle_xmlrpc(
    body: bytes, *, request_host: str | None, remote_ip: str | None, user_agent: str = ""
) -> bytes:
    """Answer one XML-RPC request body (the /xmlrpc.php endpoint): pingback.ping,
    pingback.extensions.getPingbacks and system.listMethods. Returns the response body.

    Malformed or unsafe XML gets fault -32700, an unknown method -32601, wrong parameters -32602
    (the XML-RPC fault code interoperability conventions).
    """
    try:
        call = pingback_protocol.parse_call(body)
    except pingback_protocol.MalformedCall as exc:
        return pingback_protocol.build_fault(-32700, f"Parse error: {exc}")
    params = call.params
    try:
        if call.name == "system.listMethods" and not params:
            return pingback_protocol.build_response(PINGBACK_METHODS)
        if call.name == "pingback.ping" and _strings(params, 2):
            message = receive_pingback(
                params[0],
                params[1],
                request_host=request_host,
                remote_ip=remote_ip,
                user_agent=user_agent,
            )
            return pingback_protocol.build_response(message)
        if call.name == "pingback.extensions.getPingbacks" and _strings(params, 1):
            return pingback_protocol.build_response(pingbacks_of(params[0], request_host))
    except pingback_protocol.PingbackFault as fault:
        return pingback_protocol.build_fault(fault.code, fault.message)
    if call.name in PINGBACK_METHODS:
        return pingback_protocol.build_fault(-32602, f"Wrong parameters for {call.name}.")
    return pingback_protocol.build_fault(-32601, f"Unknown method {call.name[:100]}.")


def _strings(params: tuple, count: int) -> bool:
    return len(params) == count and all(isinstance(p, str) for p in params)


def _target_or_fault(target: str, request_host: str | None) -> Post:
    try:
        return post_for_target(target, request_host)
    except LinkbackRefused as exc:
        raise pingback_protocol.PingbackFault(exc.fault, exc.message) from None


def pingbacks_of(url: str, request_host: str | None = None) -> list[str]:
    """Source URLs of the approved pingbacks on the post at url (pingback.extensions.getPingbacks).

    Raises PingbackFault 32 or 33 as post_for_target decides. Held pingbacks are not listed.
    """
    if not is_http_url(url):
        raise pingback_protocol.PingbackFault(32, "The specified target URL does not exist.")
    post = _target_or_fault(url, request_host)
    comments = post.comments.approved().filter(comment_type=Comment.Type.PINGBACK)
    return [c.source_url or c.author_url for c in comments]


def receive_pingback(
    source: str,
    target: str,
    *,
    request_host: str | None = None,
    remote_ip: str | None = None,
    user_agent: str = "",
) -> str:
    """Register a pingback (Pingback 1.0 §3), verifying the source synchronously (decision 0002).

    Order of checks: URLs valid (0), source ≠ target (0), target a post of ours (32) that takes
    pings (33), not already registered (48), rate limit (49), source fetched (16 when it cannot
    be fetched or answers 4xx, 50 on timeout or 5xx), source links to target (17). Returns the
    success message; raises PingbackFault otherwise. The pingback becomes a Comment of type
    pingback (author = the source's title, content "[…] excerpt […]") through place_incoming.
    """
    fault = pingback_protocol.PingbackFault
    source, target = (source or "").strip(), (target or "").strip()
    if (
        not (is_http_url(source) and is_http_url(target))
        or max(map(len, (source, target))) > MAX_URL_CHARS
    ):
        raise fault(0, "A valid URL was not provided.")
    if normalize_url(source) == normalize_url(target):
        raise fault(0, "The source URL and the target URL cannot both point to the same resource.")
    post = _target_or_fault(target, request_host)
    if _already_registered(post, source, target):
        raise fault(48, "The pingback has already been registered.")
    host = _netloc(source)
    try:
        count_hit(host, remote_ip)
    except LinkbackRefused as exc:
        raise fault(exc.fault, exc.message) from None
    policy = default_policy()
    policy = FetchPolicy(
        timeout=min(policy.timeout, PINGBACK_TIMEOUT),
        max_bytes=min(policy.max_bytes, 1_000_000),
        max_redirects=policy.max_redirects,
        allowed_networks=policy.allowed_networks,
        user_agent=policy.user_agent,
    )
    document, _ = source_document(source, since=timezone.now() - REFETCH_AFTER, policy=policy)
    _check_source(document)
    excerpt = pingback_protocol.excerpt_around_link(
        document.body, document.final_url or source, target
    )
    if excerpt is None:
        raise fault(
            17,
            "The source URL does not contain a link to the target URL, and so cannot be used as a source.",
        )
    title = pingback_protocol.title_of(document.body) or host
    _register_pingback(post, source, target, title, excerpt, remote_ip, user_agent)
    return f"Pingback from {source} to {target} registered."


def _already_registered(post: Post, source: str, target: str) -> bool:
    if post.comments.filter(source_url=source[:1000], comment_type=Comment.Type.PINGBACK).exists():
        return True
    return ReceivedLinkback.objects.filter(
        protocol=ReceivedLinkback.Protocol.PINGBACK,
        source=source,
        target=target,
        comment__isnull=False,
    ).exists()


def _check_source(document: SourceFetch) -> None:
    fault = pingback_protocol.PingbackFault
    if document.error:
        code = 50 if document.timed_out else 16
        raise fault(code, f"The source URL cannot be fetched: {document.error}")
    status = document.status or 0
    if status >= 500:
        raise fault(50, f"The source server answered HTTP {status}.")
    if not 200 <= status < 300:
        raise fault(16, f"The source URL does not exist (HTTP {status}).")


@transaction.atomic
def _register_pingback(post, source, target, title, excerpt, remote_ip, user_agent) -> Comment:
    comment = Comment(
        post=post,
        comment_type=Comment.Type.PINGBACK,
        author_name=title[:250],
        author_url=source[:1000],
        source_url=source[:1000],
        author_ip=remote_ip,
        user_agent=(user_agent or "")[:500],
        raw_content=excerpt,
        content=f"<p>[…] {escape(excerpt)} […]</p>",
    )
    linkback, _ = ReceivedLinkback.objects.update_or_create(
        protocol=ReceivedLinkback.Protocol.PINGBACK,
        source=source,
        target=target,
        defaults={"post": post, "source_host": _netloc(source), "remote_ip": remote_ip},
    )
    place_incoming(comment, request_meta=_request_meta(linkback))
    linkback.comment = comment
    if linkback.state != ReceivedLinkback.State.QUEUED:
        linkback.move_to(ReceivedLinkback.State.QUEUED, "received again")
    linkback.move_to(ReceivedLinkback.State.VERIFIED, "Verified: a pingback.")
    linkback.save()
    return comment


# ----------------------------------------------------------------------------------- sending ---


def send_linkbacks_for_post(post_id: int) -> list[OutgoingLinkback]:
    """Queue a Webmention (or pingback fallback) to every link of a public post, after commit.

    Links are the http(s) hrefs of its content_html outside this site (first MAX_LINKS_PER_POST).
    Targets it linked to before but no longer does are sent a Webmention again (§3.1.4) so
    they can remove the mention. Returns the queued log rows. A post that is not public: nothing.
    """
    post = Post.objects.filter(pk=post_id).first()
    if post is None or not post.is_public:
        return []
    source = post_url(post)
    current = [link for link in links_in(post.content_html, source) if not _is_ours(link, None)][
        :MAX_LINKS_PER_POST
    ]
    earlier = OutgoingLinkback.objects.filter(source=source).exclude(target__in=current)
    removed = list(earlier.values_list("target", flat=True))
    rows = [_queue_send(post, source, t, webmention_only=False) for t in current]
    rows += [_queue_send(post, source, t, webmention_only=True) for t in removed]
    _enqueue_sends(rows)
    return rows


def notify_post_deleted(source_url: str, links: Iterable[str] = ()) -> list[OutgoingLinkback]:
    """Re-send Webmentions for a deleted post (§3.1.4: the source now answers 410 Gone).

    `source_url` is the post's absolute URL (it must answer 410 from now on); targets are the
    given links plus every target it was sent to before. Pingback cannot express a deletion, so
    only Webmention endpoints are notified.
    """
    targets = list(dict.fromkeys([*links, *_earlier_targets(source_url)]))
    rows = [
        _queue_send(None, source_url, t, webmention_only=True)
        for t in targets
        if is_http_url(t) and not _is_ours(t, None)
    ][:MAX_LINKS_PER_POST]
    _enqueue_sends(rows)
    return rows


def _earlier_targets(source_url: str) -> list[str]:
    return list(OutgoingLinkback.objects.filter(source=source_url).values_list("target", flat=True))


def _queue_send(post, source: str, target: str, *, webmention_only: bool) -> OutgoingLinkback:
    defaults = {
        "status": OutgoingLinkback.Status.QUEUED,
        "attempts": 0,
        "next_attempt_at": timezone.now() + LEASE,
        "webmention_only": webmention_only,
    }
    if post is not None:
        defaults["post"] = post
    row, _ = OutgoingLinkback.objects.update_or_create(
        source=source[:1000], target=target[:1000], defaults=defaults
    )
    return row


def _enqueue_sends(rows: list[OutgoingLinkback]) -> None:
    from .tasks import send_linkback_task

    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [send_linkback_task.enqueue(pk) for pk in ids])


def send_linkback(outgoing_id: int) -> OutgoingLinkback | None:
    """Make one attempt to notify a target (§3.1.2 discovery, §3.1.3 sending, Pingback fallback).

    Records method, endpoint, status, response code and the start of the answer; a transient
    failure (network, timeout, HTTP 5xx or 429, pingback fault 50) is retried with exponential
    backoff until MAX_ATTEMPTS. Does nothing for a row that is not waiting (idempotent).
    """
    row = OutgoingLinkback.objects.filter(pk=outgoing_id).first()
    waiting = {OutgoingLinkback.Status.QUEUED, OutgoingLinkback.Status.RETRYING}
    if row is None or row.status not in waiting:
        return row
    row.attempts += 1
    row.last_attempt_at = timezone.now()
    try:
        _attempt(row)
    except (BlockedAddress, InvalidURL) as exc:
        _settle(row, OutgoingLinkback.Status.FAILED, None, str(exc))
    except FetchError as exc:
        _retry(row, None, str(exc))
    row.save()
    return row


@dataclass(frozen=True)
class Discovery:
    """What a target page advertises: its final URL and HTTP status, and the Webmention endpoint
    and pingback server found there (None when absent)."""

    url: str
    status: int
    webmention: str | None
    pingback: str | None


def discover(target: str) -> Discovery:
    """Fetch target (redirects followed, SSRF guard) and find its endpoints: Webmention §3.1.2
    (relative to the final URL), else Pingback §2. Raises FetchError when it cannot be fetched."""
    page = fetch(target)
    headers = page.headers.multi_items()
    content_type = page.headers.get("content-type", "")
    webmention = discover_endpoint(page.url, headers, page.content, content_type)
    if webmention and not is_http_url(webmention):
        webmention = None
    server = None
    if webmention is None:
        server = pingback_protocol.discover_server(page.url, headers, page.content, content_type)
    return Discovery(page.url, page.status, webmention, server)


def _attempt(row: OutgoingLinkback) -> None:
    found = discover(row.target)
    if found.status >= 500 or found.status == 429:
        _retry(row, found.status, f"The target answered HTTP {found.status}.")
    elif found.webmention:
        _send_webmention(row, found.webmention)
    elif found.pingback and not row.webmention_only:
        _send_pingback(row, found.pingback)
    else:
        row.method, row.endpoint = OutgoingLinkback.Method.NONE, ""
        what = "Webmention" if row.webmention_only else "Webmention or Pingback"
        _settle(row, OutgoingLinkback.Status.NO_ENDPOINT, found.status, f"No {what} endpoint.")


def _send_webmention(row: OutgoingLinkback, endpoint: str) -> None:
    row.method, row.endpoint = OutgoingLinkback.Method.WEBMENTION, endpoint[:1000]
    answer = fetch(endpoint, method="POST", data={"source": row.source, "target": row.target})
    body = answer.text.strip()
    location = answer.headers.get("location", "")
    if 200 <= answer.status < 300:
        detail = f"{body} {location}".strip() or "accepted"
        _settle(row, OutgoingLinkback.Status.SENT, answer.status, detail)
    elif answer.status >= 500 or answer.status == 429:
        _retry(row, answer.status, body or f"HTTP {answer.status}")
    else:
        _settle(row, OutgoingLinkback.Status.REFUSED, answer.status, body or "refused")


def _send_pingback(row: OutgoingLinkback, server: str) -> None:
    row.method, row.endpoint = OutgoingLinkback.Method.PINGBACK, server[:1000]
    answer = fetch(
        server,
        method="POST",
        headers={"Content-Type": "text/xml; charset=utf-8"},
        data=pingback_protocol.build_ping_call(row.source, row.target),
    )
    if answer.status >= 500 or answer.status == 429:
        _retry(row, answer.status, f"The pingback server answered HTTP {answer.status}.")
        return
    try:
        result = pingback_protocol.parse_ping_response(answer.content)
    except pingback_protocol.MalformedCall as exc:
        _settle(row, OutgoingLinkback.Status.REFUSED, answer.status, str(exc))
        return
    if result.ok:
        _settle(row, OutgoingLinkback.Status.SENT, answer.status, result.message or "registered")
    elif result.fault_code == pingback_protocol.ALREADY_REGISTERED:
        _settle(row, OutgoingLinkback.Status.SENT, 48, result.message or "already registered")
    elif result.fault_code in {pingback_protocol.UPSTREAM_ERROR, 429}:
        _retry(row, result.fault_code, result.message)
    else:
        message = result.message or "refused (fault 0 without a reason)"
        _settle(row, OutgoingLinkback.Status.REFUSED, result.fault_code, message)


def _settle(row: OutgoingLinkback, status: str, code: int | None, detail: str) -> None:
    row.status = status
    row.response_code = code
    row.response_body = " ".join(detail.split())[:500]
    row.next_attempt_at = None


def _retry(row: OutgoingLinkback, code: int | None, detail: str) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        _settle(row, OutgoingLinkback.Status.FAILED, code, f"Gave up: {detail}")
        return
    _settle(row, OutgoingLinkback.Status.RETRYING, code, detail)
    row.next_attempt_at = timezone.now() + BACKOFF * 2 ** (row.attempts - 1)


# -------------------------------------------------------------------------------------- tick ---


def enqueue_due() -> tuple[int, int]:
    """The linkbacks tick: queue tasks for due verifications and sends, prune old records.

    Each row queued gets a lease (its next time pushed LEASE ahead) so the next tick does not
    queue it twice while its task waits. Returns (verifications, sends) queued.
    """
    from .tasks import send_linkback_task, verify_webmention_task

    now = timezone.now()
    verify_ids = list(ReceivedLinkback.objects.due().values_list("pk", flat=True)[:200])
    send_ids = list(OutgoingLinkback.objects.due().values_list("pk", flat=True)[:200])
    ReceivedLinkback.objects.filter(pk__in=verify_ids).update(next_check_at=now + LEASE)
    OutgoingLinkback.objects.filter(pk__in=send_ids).update(next_attempt_at=now + LEASE)
    InboundHit.objects.filter(at__lt=now - timedelta(days=1)).delete()
    SourceFetch.objects.filter(fetched_at__lt=now - timedelta(days=1)).delete()
    for pk in verify_ids:
        verify_webmention_task.enqueue(pk)
    for pk in send_ids:
        send_linkback_task.enqueue(pk)
    return len(verify_ids), len(send_ids)
