"""The site's own navigation, shown on every page by base.html: its top-level pages (WordPress's
page menu order), its top-level categories and the years of its archive. Three queries to
build, so it is kept by `sitecache` until publishing changes something."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from . import sitecache
from .models import Category, Post

MAX_PAGES = 12


def site_navigation() -> dict:
    """{"pages": [(title, url)], "categories": [(name, url)], "years": [(year, url)]}."""
    return sitecache.remember("navigation", build_navigation)


def build_navigation() -> dict:
    """The navigation read from the database (three queries); see `site_navigation`."""
    pages = (
        Post.objects.pages()
        .published()
        .filter(parent=None)
        .order_by("menu_order", "title", "pk")
        .values_list("title", "slug", "pk")[:MAX_PAGES]
    )
    categories = Category.objects.filter(parent=None).order_by("name").values_list("name", "slug")
    years = (
        Post.objects.posts()
        .published()
        .datetimes("published_at", "year", order="DESC", tzinfo=timezone.get_current_timezone())
    )
    return {
        "pages": [
            (title or slug, reverse("publishing:page", kwargs={"path": slug or str(pk)}))
            for title, slug, pk in pages
        ],
        "categories": [
            (name, reverse("publishing:category", kwargs={"path": slug}))
            for name, slug in categories
        ],
        "years": [
            (y.year, reverse("publishing:year", kwargs={"year": f"{y.year:04d}"})) for y in years
        ],
    }
