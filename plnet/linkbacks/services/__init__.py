"""The verbs of linkbacks: receiving and verifying Webmentions and pingbacks, and sending them.

Receiving (Webmention §3.2): `receive_webmention` checks cheaply, stores, and leaves the fetch to
a task (`verify_webmention`); `receive_pingback` verifies synchronously (decision 0002). Both count
against the per-source-host rate limit, and a source URL is fetched at most once a minute however
many targets it names (`source_document`). What is verified becomes a `conversation.Comment`
through `place_incoming`, the one door to moderation and the spam layers.

Sending (Webmention §3.1, Pingback §2–3): `send_linkbacks_for_post` logs one `OutgoingLinkback`
per link and queues a task per row; `send_linkback` discovers, sends, records the answer and
schedules retries with exponential backoff; `retry_send` queues a finished, unsuccessful send again
at the owner's request; `notify_post_deleted` re-sends Webmentions for a post
that is gone.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import InboundHit, OutgoingLinkback, ReceivedLinkback, SourceFetch
from .common import (
    BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    MAX_LINKS_PER_POST,
    POST_VIEWS,
    REFETCH_AFTER,
    LinkbackRefused,
    count_hit,
    post_for_target,
    post_url,
    source_document,
)
from .pingbacks import handle_xmlrpc, pingbacks_of, receive_pingback
from .sending import (
    Discovery,
    discover,
    notify_post_deleted,
    retry_send,
    send_linkback,
    send_linkbacks_for_post,
)
from .webmentions import apply_source, receive_webmention, verify_webmention

__all__ = [
    "BACKOFF", "LEASE", "MAX_ATTEMPTS", "MAX_LINKS_PER_POST", "POST_VIEWS", "REFETCH_AFTER",
    "Discovery", "LinkbackRefused", "apply_source", "count_hit", "discover", "enqueue_due",
    "handle_xmlrpc", "notify_post_deleted", "pingbacks_of", "post_for_target", "post_url",
    "receive_pingback", "receive_webmention", "retry_send", "send_linkback", "send_linkbacks_for_post",
    "source_document", "verify_webmention",
]  # fmt: skip


def enqueue_due() -> tuple[int, int]:
    """The linkbacks tick: queue tasks for due verifications and sends, prune old records.

    Each row queued gets a lease (its next time pushed LEASE ahead) so the next tick does not
    queue it twice while its task waits. Returns (verifications, sends) queued.
    """
    from ..tasks import send_linkback_task, verify_webmention_task

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
