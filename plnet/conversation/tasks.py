"""Background work of conversation: thin, taking ids, safe to run twice."""

from __future__ import annotations

import logging

from django_tasks import task

from . import akismet, services, training
from .classifier import NotEnoughData
from .models import Comment

log = logging.getLogger("plnet.conversation")


@task()
def notify_post_author(comment_id: int) -> bool:
    """Mail the post's author about a new comment (once; see services.notify_post_author)."""
    comment = Comment.objects.select_related("post__author").filter(pk=comment_id).first()
    return bool(comment) and services.notify_post_author(comment)


@task()
def notify_replied_to(comment_id: int) -> bool:
    """Mail an opted-in commenter about an approved reply (once)."""
    comment = Comment.objects.select_related("parent", "post").filter(pk=comment_id).first()
    return bool(comment) and services.notify_replied_to(comment)


@task()
def retrain_spam_filter() -> int | None:
    """Retrain the classifier on the site's labelled data; the new model's id, or None when
    there is not enough data yet."""
    try:
        return training.train_from_site("retrain after moderation").pk
    except NotEnoughData as exc:
        log.info("spam model not retrained: %s", exc)
        return None


def request_retrain() -> bool:
    """Queue retrain_spam_filter unless one is already queued and not yet started; True when
    queued. Call after commit (the task reads what was committed when it starts).

    Retrains coalesce: every moderation and every import with judged comments asks for one, and
    a retrain takes the only worker for a while, so a burst of them would hold up imports, feed
    fetches and scheduled posts. One still waiting to start will read everything committed
    before it starts, this change included, so it is enough; one already running may have read
    its data before this change, so then another is queued. Only the database task backend
    (the site's) stores queued tasks; with any other backend a retrain is always queued.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(retrain_spam_filter.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=retrain_spam_filter.module_path
        )
        if waiting.exists():
            return False
    retrain_spam_filter.enqueue()
    return True


@task()
def report_to_akismet(comment_id: int, is_spam: bool) -> bool:
    """Tell Akismet a moderator's spam/ham decision; False when Akismet could not be told."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None or not akismet.is_enabled():
        return False
    try:
        akismet.report(comment, spam=is_spam)
    except akismet.AkismetUnavailable as exc:
        log.warning("Akismet report for comment %s failed: %s", comment_id, exc)
        return False
    return True


@task()
def empty_expired_comments() -> int:
    """Delete spam and trash older than PLNET_SPAM_RETENTION_DAYS; the number deleted. The tick
    now empties them itself (apps._empty_expired); kept so tasks already queued still run."""
    return services.empty_expired()
