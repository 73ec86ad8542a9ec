"""Sending (Webmention §3.1, Pingback §2–3): log one OutgoingLinkback per link, then discover,
send, record the answer and retry with exponential backoff, one attempt per task."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from plnet.core.http import (
    BlockedAddress,
    FetchError,
    InvalidURL,
    fetch,
)
from plnet.protocols import pingback as pingback_protocol
from plnet.protocols.webmention import (
    discover_endpoint,
    is_http_url,
    links_in,
)
from plnet.publishing.models import Post

from ..models import OutgoingLinkback
from .common import (
    BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    MAX_LINKS_PER_POST,
    is_ours,
    post_url,
)


def send_linkbacks_for_post(
    post_id: int, *, previous_html: str | None = None
) -> list[OutgoingLinkback]:
    """Queue a Webmention (or pingback fallback) to every link of a public post, after commit.

    Links are the http(s) hrefs of its content_html outside this site (first MAX_LINKS_PER_POST).
    Targets it linked to before but no longer does are sent a Webmention again (§3.1.4) so
    they can remove the mention. On an update, `previous_html` is the content before the edit:
    links it already had are sent again only if we sent to them before (§3.1.3 resends to
    previous targets), so editing an imported post does not ping every site it ever cited —
    WordPress likewise remembers what it pinged. Returns the queued log rows. A post that is not
    public: nothing.
    """
    post = Post.objects.filter(pk=post_id).first()
    if post is None or not post.is_public:
        return []
    source = post_url(post)
    sent_before = set(_earlier_targets(source))
    had = set(links_in(previous_html, source)) - sent_before if previous_html else set()
    current = [
        link
        for link in links_in(post.content_html, source)
        if not is_ours(link, None) and link not in had
    ][:MAX_LINKS_PER_POST]
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
        if is_http_url(t) and not is_ours(t, None)
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
    from ..tasks import send_linkback_task

    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [send_linkback_task.enqueue(pk) for pk in ids])


BLOCKED_REASON = "refused: private address (PLNET_FETCH_ALLOWED_NETWORKS)"


def retry_send(outgoing_id: int) -> OutgoingLinkback | None:
    """Queue again a send that ended without success (failed, refused, no endpoint), as the
    owner asks from the send log, e.g. after allowing the target's network in
    PLNET_FETCH_ALLOWED_NETWORKS. Its attempts start over; the task runs after commit.
    Returns the row, or None when there is no such row or it is not finished unsuccessfully.
    """
    with transaction.atomic():
        row = (
            OutgoingLinkback.objects.select_for_update()
            .filter(pk=outgoing_id, status__in=OutgoingLinkback.RETRYABLE)
            .first()
        )
        if row is None:
            return None
        row.status, row.attempts = OutgoingLinkback.Status.QUEUED, 0
        row.next_attempt_at = timezone.now() + LEASE
        row.save(update_fields=["status", "attempts", "next_attempt_at"])
        _enqueue_sends([row])
    return row


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
    except BlockedAddress as exc:
        # Not worth retrying on its own: only a change of the setting helps (then `retry_send`).
        detail = f"{BLOCKED_REASON}: {exc}"
        _settle(row, OutgoingLinkback.Status.FAILED, None, detail)
    except InvalidURL as exc:
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
