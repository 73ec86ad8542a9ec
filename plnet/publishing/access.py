"""Who may see and write what. Written once, used by every view; missing and forbidden look alike.

The author role is the `publishing.add_post` permission (superusers have it; give it to a
person or to a group in the admin). An author edits their own posts; editing someone else's
also needs `publishing.change_post`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from .models import Post


def can_write(user) -> bool:
    """May this user open the editor and write posts?"""
    return bool(user.is_authenticated and user.is_active and user.has_perm("publishing.add_post"))


def can_edit(user, post: Post) -> bool:
    """May this user edit (or delete) this post?"""
    if not can_write(user):
        return False
    return post.author_id == user.pk or user.has_perm("publishing.change_post")


def can_edit_all(user) -> bool:
    """May this user edit everyone's posts (and so see them all in the list of posts)?"""
    return can_write(user) and user.has_perm("publishing.change_post")


def can_read(post: Post, unlocked: set[int]) -> bool:
    """May a reader see this public post's content? A protected post needs its password first.

    `unlocked` is the set of post ids whose password this reader has given (kept in the session).
    """
    return not post.is_protected or post.pk in unlocked


def visible_to(user, queryset):
    """The posts of queryset this user may open: published ones for everybody; private ones for
    their author and for staff (as WordPress shows private posts to those who may read them)."""
    public = Q(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())
    if not (user.is_authenticated and user.is_active):
        return queryset.filter(public)
    private = Q(status=Post.Status.PRIVATE)
    if not user.is_staff:
        private &= Q(author=user)
    return queryset.filter(public | private)


def can_import(user) -> bool:
    """May this user import a WordPress export from the web page? Staff only, as WordPress
    keeps Tools → Import to administrators."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)
