"""Receiving pingbacks (Pingback 1.0 §3) over XML-RPC, verified while the sender waits
(decision 0002): `handle_xmlrpc` dispatches, `receive_pingback` decides and registers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from plnet.conversation.models import Comment
from plnet.conversation.services import place_incoming
from plnet.core.http import (
    FetchPolicy,
    default_policy,
)
from plnet.protocols import pingback as pingback_protocol
from plnet.protocols.webmention import (
    is_http_url,
    normalize_url,
)
from plnet.publishing.models import Post

from ..models import ReceivedLinkback, SourceFetch
from .common import (
    MAX_URL_CHARS,
    PINGBACK_TIMEOUT,
    REFETCH_AFTER,
    LinkbackRefused,
    count_hit,
    host_of,
    post_for_target,
    request_meta,
    source_document,
)

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
    pings (33), not already registered (48: a response from this source exists, by pingback or
    Webmention, as WordPress answers), rate limit (49), source fetched (16 when it cannot
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
    host = host_of(source)
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
    """True when source already has a response on post, whatever the protocol that brought it
    (a pingback, or a Webmention from the same page): one source → target is one response."""
    if post.comments.filter(source_url=source[:1000]).exists():
        return True
    return ReceivedLinkback.objects.filter(
        source=source, target=target, comment__isnull=False
    ).exists()


def _check_source(document: SourceFetch) -> None:
    fault = pingback_protocol.PingbackFault
    if document.blocked:  # the host, its address and the server setting are not the sender's
        raise fault(16, f"The source URL cannot be fetched: {ReceivedLinkback.BLOCKED_SOURCE}")
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
        defaults={"post": post, "source_host": host_of(source), "remote_ip": remote_ip},
    )
    place_incoming(comment, request_meta=request_meta(linkback))
    linkback.comment = comment
    if linkback.state != ReceivedLinkback.State.QUEUED:
        linkback.move_to(ReceivedLinkback.State.QUEUED, "received again")
    linkback.move_to(ReceivedLinkback.State.VERIFIED, "Verified: a pingback.")
    linkback.save()
    return comment
