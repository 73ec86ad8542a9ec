"""Who may moderate which comments, written once: staff moderate every comment, an author the
comments on their own posts (those of posts in the trash wait out of sight), nobody else
anything (and they get the same 404 as a missing page)."""

from __future__ import annotations

from plnet.publishing.models import Post

from .models import Comment


def is_moderator(user) -> bool:
    """True for staff, and for members who have written at least one post."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or user.posts.exists()


def moderated_comments(user):
    """The comments user may moderate, or None when they may moderate none. Comments of a post
    in the trash are kept out of sight with it (as WordPress's post-trashed comments), and come
    back as they were when it is restored."""
    if not is_moderator(user):
        return None
    comments = Comment.objects.exclude(post__status=Post.Status.TRASH)
    return comments if user.is_staff else comments.filter(post__author=user)
