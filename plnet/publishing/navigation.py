"""The site's own navigation, shown on every page by base.html: its top-level pages (WordPress's
page menu order), its busiest top-level categories (at most MAX_CATEGORIES, those with published
posts; /category/ lists them all) and the years of its archive. Four small queries to build, so
it is kept by `sitecache` until publishing changes something."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from . import sitecache
from .models import Post
from .services import category_tree

MAX_PAGES = 12
MAX_CATEGORIES = 15


def site_navigation() -> dict:
    """{"pages": [(title, url)], "categories": [(name, url)], "more_categories": bool,
    "years": [(year, url)]}. Categories: the top-level ones with the most published posts (in
    them and their subcategories), at most MAX_CATEGORIES, by name; empty ones never."""
    return sitecache.remember("navigation", build_navigation)


def build_navigation() -> dict:
    """The navigation read from the database (four queries); see `site_navigation`."""
    pages = (
        Post.objects.pages()
        .published()
        .filter(parent=None)
        .order_by("menu_order", "title", "pk")
        .values_list("title", "slug", "pk")[:MAX_PAGES]
    )
    roots = category_tree()
    busiest = sorted(roots, key=lambda c: (-c.total, c.name.casefold()))[:MAX_CATEGORIES]
    categories = sorted(busiest, key=lambda c: c.name.casefold())
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
        "categories": [(c.name, c.get_absolute_url()) for c in categories],
        "more_categories": len(roots) > len(categories) or any(c.children for c in categories),
        "years": [
            (y.year, reverse("publishing:year", kwargs={"year": f"{y.year:04d}"})) for y in years
        ],
    }
