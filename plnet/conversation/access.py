"""Who may moderate which comments, written once: staff moderate every comment, an author the
comments on their own posts, nobody else anything (and they get the same 404 as a missing page)."""

from __future__ import annotations

from .models import Comment


def is_moderator(user) -> bool:
    """True for staff, and for members who have written at least one post."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or user.posts.exists()


def moderated_comments(user):
    """The comments user may moderate, or None when they may moderate none."""
    if not is_moderator(user):
        return None
    if user.is_staff:
        return Comment.objects.all()
    return Comment.objects.filter(post__author=user)
