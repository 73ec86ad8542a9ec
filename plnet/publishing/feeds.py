"""The site's feeds: RSS 2.0 at WordPress's addresses (so imported subscribers keep reading) and
Atom 1.0 beside each one, for the site, each category, tag and author, and the comments.

Built on django.contrib.syndication. Every link is absolute from settings.SITE_URL (not from the
request's host) — including the URLs inside each entry's HTML (an uploaded image is stored as
`/media/…`, and RSS has no xml:base to resolve it) — entries carry the full sanitised content (`content:encoded` in RSS, `<content>`
in Atom) besides the summary, and imported posts keep their WordPress guid so feed readers do not
show them again as new. Password-protected posts appear with their title only.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date, parse_http_date_safe
from taggit.models import Tag

from plnet.conversation.models import Comment
from plnet.protocols.html import absolutize

from . import sitecache
from .models import Category, Post

FEED_ITEMS = 10  # WordPress's default "Syndication feeds show the most recent" count
PROTECTED_SUMMARY = "There is no excerpt because this is a protected post."


def absolute(path: str) -> str:
    """settings.SITE_URL + path (path starts with '/')."""
    return settings.SITE_URL + path


def absolute_html(html: str, permalink: str) -> str:
    """An entry's HTML with its relative URLs (href, src, srcset, …) made absolute, resolved
    against the entry's absolute permalink as a browser on that page would resolve them
    ("#note-1" becomes permalink#note-1): readers show it far from our pages."""
    return absolutize(html, permalink, fragments=True) if html else html


# Characters XML 1.0 cannot carry (§2.2): one of them in a title or a comment would make Django
# refuse to write the whole feed, so they are dropped from everything a feed is given.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """value with XML-invalid characters removed (strings, and lists or tuples of strings)."""
    if isinstance(value, str):
        return XML_INVALID.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(v) for v in value)
    return value


class XMLSafe:
    """Feed generator mixin: every field of the feed and of each item goes through xml_safe."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{k: xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **{k: xml_safe(v) for k, v in kwargs.items()})


class RssWithContent(XMLSafe, Rss201rev2Feed):
    """RSS 2.0 with the full entry in <content:encoded> (RSS 2.0 content module)."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(XMLSafe, Atom1Feed):
    """Atom 1.0 with the full entry in <content type="html"> (RFC 4287 §4.1.3)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class PostFeed(Feed):
    """The site's published posts, newest first (RSS 2.0). Subclasses narrow the posts."""

    feed_type = RssWithContent
    path = "/feed/"

    def __call__(self, request, *args, **kwargs):
        """The feed, with Last-Modified the newest of its entries' dates and the last change
        to what is published (`sitecache.changed_at`): trashing or deleting the newest post
        changes the feed, so Last-Modified must move forward, not back to the post before."""
        response = super().__call__(request, *args, **kwargs)
        newest = parse_http_date_safe(response.headers.get("Last-Modified", "")) or 0
        changed = int(sitecache.changed_at().timestamp())
        response.headers["Last-Modified"] = http_date(max(newest, changed))
        return response

    def title(self, obj=None):
        return settings.SITE_NAME

    def description(self, obj=None):
        return f"The latest posts on {settings.SITE_NAME}"

    def link(self, obj=None):
        return absolute("/")

    def feed_url(self, obj=None):
        return absolute(self.path_for(obj))

    def path_for(self, obj) -> str:
        return self.path + ("atom/" if self.feed_type is AtomWithContent else "")

    def posts(self, obj):
        return Post.objects.posts()

    def items(self, obj=None):
        chosen = self.posts(obj).published().order_by("-published_at", "-id")
        loaded = chosen.select_related("author").prefetch_related("categories", "tags")
        return loaded[:FEED_ITEMS]

    def item_title(self, item: Post):
        return item.title or "(untitled)"

    def item_description(self, item: Post):
        return PROTECTED_SUMMARY if item.is_protected else item.summary

    def item_link(self, item: Post):
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Post):
        return item.guid or self.item_link(item)

    def item_guid_is_permalink(self, item: Post):
        return not item.guid or item.guid == self.item_link(item)

    def item_pubdate(self, item: Post):
        return item.published_at

    def item_updateddate(self, item: Post):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item: Post):
        return item.author.public_name if item.author else None

    def item_author_link(self, item: Post):
        return absolute(item.author.get_absolute_url()) if item.author else None

    def item_categories(self, item: Post):
        return [c.name for c in item.categories.all()] + [t.name for t in item.tags.all()]

    def item_extra_kwargs(self, item: Post):
        if item.is_protected:
            return {"content_html": ""}
        return {"content_html": absolute_html(item.content_html, self.item_link(item))}

    def item_comments(self, item: Post):
        return self.item_link(item) + "#comments"


class CategoryFeed(PostFeed):
    """Posts in a category and its subcategories: /category/<path>/feed/."""

    def get_object(self, request, path):
        cat = get_object_or_404(Category, slug=path.strip("/").rsplit("/", 1)[-1])
        if cat.path != path.strip("/"):
            raise Http404("No such category")
        return cat

    def path_for(self, obj):
        base = reverse("publishing:category_feed", kwargs={"path": obj.path})
        return base + ("atom/" if self.feed_type is AtomWithContent else "")

    def title(self, obj):
        return f"{settings.SITE_NAME} » {obj.name}"

    def description(self, obj):
        return obj.description or f"Posts in {obj.name} on {settings.SITE_NAME}"

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def posts(self, obj):
        return Post.objects.posts().filter(categories__in=obj.subtree_ids()).distinct()


class TagFeed(PostFeed):
    """Posts with a tag: /tag/<slug>/feed/."""

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def path_for(self, obj):
        base = reverse("publishing:tag_feed", kwargs={"slug": obj.slug})
        return base + ("atom/" if self.feed_type is AtomWithContent else "")

    def title(self, obj):
        return f"{settings.SITE_NAME} » {obj.name}"

    def description(self, obj):
        return f"Posts tagged {obj.name} on {settings.SITE_NAME}"

    def link(self, obj):
        return absolute(reverse("publishing:tag", kwargs={"slug": obj.slug}))

    def posts(self, obj):
        return Post.objects.posts().filter(tags__slug=obj.slug).distinct()


class AuthorFeed(PostFeed):
    """One author's posts: /author/<username>/feed/."""

    def get_object(self, request, username):
        return get_object_or_404(get_user_model(), username=username)

    def path_for(self, obj):
        base = reverse("publishing:author_feed", kwargs={"username": obj.username})
        return base + ("atom/" if self.feed_type is AtomWithContent else "")

    def title(self, obj):
        return f"{settings.SITE_NAME} » {obj.public_name}"

    def description(self, obj):
        return f"Posts by {obj.public_name} on {settings.SITE_NAME}"

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def posts(self, obj):
        return Post.objects.posts().filter(author=obj)


class CommentsFeed(Feed):
    """Approved comments on public, unprotected posts, newest first: /comments/feed/."""

    feed_type = RssWithContent
    path = "/comments/feed/"

    def title(self, obj=None):
        return f"Comments for {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"The latest comments on {settings.SITE_NAME}"

    def link(self, obj=None):
        return absolute("/")

    def feed_url(self, obj=None):
        return absolute(self.path + ("atom/" if self.feed_type is AtomWithContent else ""))

    def comments(self, obj):
        return Comment.objects.all()

    def items(self, obj=None):
        public = Post.objects.published().filter(password="")
        chosen = self.comments(obj).approved().filter(post__in=public)
        return chosen.select_related("post").order_by("-created_at", "-id")[:FEED_ITEMS]

    def item_title(self, item: Comment):
        return f"Comment on {item.post.title or '(untitled)'} by {item.author_name or 'Anonymous'}"

    def item_description(self, item: Comment):
        return absolute_html(item.content, self.item_link(item))

    def item_link(self, item: Comment):
        return absolute(item.get_absolute_url())

    def item_guid(self, item: Comment):
        return self.item_link(item)

    def item_pubdate(self, item: Comment):
        return item.created_at

    def item_author_name(self, item: Comment):
        return item.author_name or "Anonymous"

    def item_author_link(self, item: Comment):
        return item.author_url or None


class PostCommentsFeed(CommentsFeed):
    """Approved comments on one post: /YYYY/MM/DD/slug/feed/ (WordPress's per-post feed)."""

    def get_object(self, request, year, month, day, slug):
        try:
            posts = Post.objects.posts().published().published_on(int(year), int(month), int(day))
        except ValueError:
            raise Http404("No such date") from None
        post = get_object_or_404(posts, slug=slug)
        if not post.has_comment_feed:
            raise Http404("This post's comments have no feed")
        return post

    def title(self, obj):
        return f"Comments on: {obj.title or '(untitled)'}"

    def link(self, obj):
        return absolute(obj.get_absolute_url())

    def feed_url(self, obj):
        suffix = "feed/atom/" if self.feed_type is AtomWithContent else "feed/"
        return absolute(obj.get_absolute_url() + suffix)

    def item_title(self, item: Comment):
        return f"By: {item.author_name or 'Anonymous'}"  # the post is known: WordPress's form

    def comments(self, obj):
        return Comment.objects.filter(post=obj)


class PostCommentsAtomFeed(PostCommentsFeed):
    """Approved comments on one post in Atom 1.0: /YYYY/MM/DD/slug/feed/atom/."""

    feed_type = AtomWithContent
    subtitle = CommentsFeed.description


class SiteFeed(PostFeed):
    """The site's posts in RSS 2.0: /feed/."""


class SiteAtomFeed(PostFeed):
    """The site's posts in Atom 1.0: /feed/atom/."""

    feed_type = AtomWithContent
    subtitle = PostFeed.description


class CategoryAtomFeed(CategoryFeed):
    feed_type = AtomWithContent
    subtitle = CategoryFeed.description


class TagAtomFeed(TagFeed):
    feed_type = AtomWithContent
    subtitle = TagFeed.description


class AuthorAtomFeed(AuthorFeed):
    feed_type = AtomWithContent
    subtitle = AuthorFeed.description


class CommentsAtomFeed(CommentsFeed):
    feed_type = AtomWithContent
    subtitle = CommentsFeed.description
