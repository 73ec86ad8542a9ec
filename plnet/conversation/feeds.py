"""Per-post comment feeds, at WordPress's addresses: `<permalink>feed/` (RSS 2.0) and
`<permalink>feed/atom/` (Atom 1.0). Approved comments only, newest first."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from plnet.publishing.models import Post

from .models import Comment

FEED_SIZE = 50


def published_post(year, month, day, slug) -> Post:
    """The public post at /year/month/day/slug/, or Http404."""
    path = f"/{year}/{month}/{day}/{slug}/"
    for post in Post.objects.posts().published().filter(slug=slug):
        if post.get_absolute_url() == path:
            return post
    raise Http404("No such post")


class PostCommentsFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, year, month, day, slug):
        return published_post(year, month, day, slug)

    def title(self, post):
        return f"Comments on: {post.title} · {settings.SITE_NAME}"

    def link(self, post):
        return post.get_absolute_url()

    def description(self, post):
        return f"Comments on “{post.title}”"

    def items(self, post):
        return (
            Comment.objects.filter(post=post)
            .approved()
            .select_related("post", "user")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, comment):
        return f"By: {comment.display_name}"

    def item_description(self, comment):
        return comment.content  # sanitised on the way in (plnet.core.html)

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_guid(self, comment):
        return f"{settings.SITE_URL}{comment.post.get_absolute_url()}#comment-{comment.pk}"

    item_guid_is_permalink = True

    def item_author_name(self, comment):
        return comment.display_name

    def item_author_link(self, comment):
        return comment.link_url or None

    def item_pubdate(self, comment):
        return comment.created_at

    def item_updateddate(self, comment):
        return comment.updated_at


class PostCommentsAtomFeed(PostCommentsFeed):
    feed_type = Atom1Feed

    def subtitle(self, post):
        return self.description(post)
