"""Background work of linkbacks: thin tasks that take ids and call a service (safe to run twice)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def verify_webmention_task(linkback_id: int) -> None:
    """Verify one queued Webmention (services.verify_webmention)."""
    services.verify_webmention(linkback_id)


@task()
def send_linkback_task(outgoing_id: int) -> None:
    """Make one attempt to send one outgoing linkback (services.send_linkback)."""
    services.send_linkback(outgoing_id)


@task()
def send_linkbacks_for_post_task(post_id: int) -> None:
    """Queue the linkbacks of a published or updated post (services.send_linkbacks_for_post)."""
    services.send_linkbacks_for_post(post_id)
