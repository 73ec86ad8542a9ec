"""The site's own navigation, shown on every page by base.html: its top-level pages (WordPress's
page menu order), its top-level categories and the years of its archive.

Building it takes three queries, so it is kept in the cache that every process of the site
shares (settings.CACHES, a directory under PLNET_DATA_DIR), under a key that carries a version.
`navigation_changed()` moves the version (and again once the transaction commits); publishing's
services call it whenever a post, page or category is saved, published or deleted, and the WordPress
import calls it once at its end. A request that read the old version while the change committed
may store what it built under the old key, where nobody looks any more: readers never see a
stale menu. The entry also expires after NAV_SECONDS as a safety net (a row changed by hand in
the database shell, say).
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Category, Post

MAX_PAGES = 12
NAV_SECONDS = 600
VERSION_KEY = "publishing:nav:version"


def _key(version) -> str:
    # years are cut in the site's time zone, so the zone is part of what was built
    return f"publishing:nav:{version}:{timezone.get_current_timezone_name()}"


def site_navigation() -> dict:
    """{"pages": [(title, url)], "categories": [(name, url)], "years": [(year, url)]}, from the
    cache when its version is current, else built from the database and stored."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _new_version()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    nav = cache.get(_key(version))
    if nav is None:
        nav = build_navigation()
        cache.set(_key(version), nav, NAV_SECONDS)
    return nav


def navigation_changed() -> None:
    """Make the next request build the navigation again.

    The version moves at once (so this transaction's own requests, and tests that never
    commit, see the change) and again after the transaction commits: a request that built the
    navigation from the database between the two read the old rows, and the second move
    leaves what it stored behind. A rolled-back change costs one rebuild, nothing more."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, _new_version(), None)


def _new_version() -> str:
    return f"{time.time_ns():x}"


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
