"""sitemap.xml (django.contrib.sitemaps): posts, pages, categories and tags, with absolute URLs
from settings.SITE_URL rather than the request's host."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from taggit.models import Tag

from .models import Category, Post


class SiteSitemap(Sitemap):
    """A sitemap whose URLs start with PLNET_SITE_URL."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")


class PostSitemap(SiteSitemap):
    changefreq = "monthly"

    def items(self):
        return Post.objects.posts().published().order_by("-published_at", "-id")

    def lastmod(self, item: Post):
        return item.updated_at


class PageSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Post.objects.pages().published().filter(password="").order_by("pk")

    def lastmod(self, item: Post):
        return item.updated_at


class CategorySitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        public = Post.objects.posts().published()
        with_posts = Category.objects.filter(posts__in=public).distinct()
        return with_posts.annotate(latest=Max("posts__updated_at")).order_by("pk")

    def lastmod(self, item: Category):
        return item.latest


class TagSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        public = Post.objects.posts().published().values("pk")
        return (
            Tag.objects.filter(
                taggit_taggeditem_items__object_id__in=public,
                taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Post),
            )
            .distinct()
            .order_by("pk")
        )

    def location(self, item: Tag):
        return reverse("publishing:tag", kwargs={"slug": item.slug})


SITEMAPS = {
    "posts": PostSitemap,
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
}
