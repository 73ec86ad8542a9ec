"""Receiving Webmentions (§3.2): check cheaply and queue (`receive_webmention`), then verify in a
task (`verify_webmention`) and create, update or remove the comment from the source's microformats.
An update whose words or author changed is moderated again (`conversation.services.place_update`,
§3.2.3 "Updating existing Webmentions"): it can be held or marked spam, never released."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from plnet.conversation.models import Comment
from plnet.conversation.services import place_incoming, place_update, spam_fields_changed
from plnet.core.html import clean_comment_html
from plnet.protocols.html import absolutize
from plnet.protocols.microformats import SourceEntry, parse_source
from plnet.protocols.webmention import (
    WebmentionError,
    check_request,
    is_gone_page,
    source_links_to,
)
from plnet.publishing.models import Post

from ..models import ReceivedLinkback, SourceFetch
from .common import (
    LEASE,
    MAX_CONTENT_CHARS,
    MAX_URL_CHARS,
    REFETCH_AFTER,
    LinkbackRefused,
    count_hit,
    host_of,
    http_or_blank,
    post_for_target,
    request_meta,
    source_document,
)


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
    host = host_of(source)
    with transaction.atomic():
        count_hit(host, remote_ip)
        linkback = _queue(source, target, host, post, remote_ip, user_agent)
    from ..tasks import verify_webmention_task

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
    if document.blocked:
        linkback.move_to(state.FAILED, f"{ReceivedLinkback.BLOCKED_SOURCE} {document.error}")
    elif document.error:
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
        _adopt_pingback(linkback)
        _store_response(linkback, entry, document.final_url)
        linkback.move_to(state.VERIFIED, f"Verified: a {entry.kind}.")
    linkback.save()


def _adopt_pingback(linkback: ReceivedLinkback) -> None:
    """When this Webmention's source already pinged the same post, take over that pingback's
    response, so that it is upgraded with the source's microformats instead of doubled: one
    source → target is one response, whatever the protocol. The pingback row keeps its state
    and gives up its comment."""
    if linkback.comment_id is not None:
        return
    pingback = (
        ReceivedLinkback.objects.pingbacks()
        .select_for_update()
        .filter(source=linkback.source, post=linkback.post, comment__isnull=False)
        .select_related("comment")
        .first()
    )
    if pingback is None:
        return
    linkback.comment = pingback.comment
    pingback.comment = None
    pingback.reason = "Its response was taken over by a Webmention from the same source."
    pingback.save(update_fields=["comment", "reason"])


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


def _store_response(linkback: ReceivedLinkback, entry: SourceEntry, source_url: str) -> Comment:
    raw = entry.content_html[:MAX_CONTENT_CHARS]
    if not raw and entry.name:
        raw = escape(entry.name)
    fields = {
        "comment_type": entry.kind,
        "author_name": (entry.author.name or host_of(source_url))[:250],
        "author_url": http_or_blank(entry.author.url) or http_or_blank(source_url),
        "author_photo": http_or_blank(entry.author.photo),
        "raw_content": raw,
        "content": clean_comment_html(absolutize(raw, source_url)) if raw else "",
        "source_url": linkback.source[:1000],  # what was verified, not what the page claims
        "parent": _parent_for(linkback.post, entry),
    }
    comment = linkback.comment
    if comment is not None:
        changed = spam_fields_changed(comment, fields)
        for name, value in fields.items():
            setattr(comment, name, value)
        if changed:  # new words are moderated again (§3.2.3 update: the source was edited)
            return place_update(comment, request_meta=request_meta(linkback))
        comment.save()
        return comment
    comment = Comment(post=linkback.post, author_ip=linkback.remote_ip, **fields)
    comment.user_agent = linkback.user_agent
    place_incoming(comment, request_meta=request_meta(linkback))
    linkback.comment = comment
    return comment
