"""Fixtures for publishing tests: authors, a post factory, and a fixed site URL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission

from plnet.publishing.models import Post

SITE = "https://blog.example.org"


@pytest.fixture
def site_url(settings):
    """Feeds, sitemaps and h-cards build absolute URLs from this, not from the request host.
    (Not autouse: other tests in this folder keep the default site URL.)"""
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Learning in Public"
    return SITE


@pytest.fixture
def author(django_user_model):
    user = django_user_model.objects.create_user(
        username="ana", password="pw-ana-123!", display_name="Ana Lima", email="ana@example.org"
    )
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    return user


@pytest.fixture
def other_author(django_user_model):
    user = django_user_model.objects.create_user(username="bo", password="pw-bo-123!")
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    return user


@pytest.fixture
def make_post(author):
    """Create a post directly (no service): make_post(title=..., when=aware datetime, ...).

    Without `when`, the nth post of a test is dated 2024-01-01 + n days: the count starts again
    in each test (a count shared by the session dated posts past today after ~1,000 of them, and
    those stopped being public in whichever test came late)."""
    counter = itertools.count(1)

    def make(title=None, *, when=None, status=Post.Status.PUBLISHED, **fields):
        n = next(counter)
        fields.setdefault("author", author)
        fields.setdefault("slug", f"post-{n}")
        fields.setdefault("body", f"Body of post {n}.")
        return Post.objects.create(
            title=title or f"Post {n}",
            status=status,
            published_at=when or dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(days=n),
            **fields,
        )

    return make
