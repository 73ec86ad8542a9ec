"""Fixtures for conversation tests: an author, a published post open for comments, helpers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plnet.conversation import layers
from plnet.conversation.models import Comment, CommentSettings
from plnet.publishing.models import Post


@pytest.fixture(autouse=True)
def _fresh_filter_cache():
    """Each test starts with no classifier cached in memory (the database is fresh too)."""
    layers._cache.update({"id": None, "filter": None})
    yield
    layers._cache.update({"id": None, "filter": None})


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(
        username="ana", email="ana@example.org", password="pw-ana-123", display_name="Ana"
    )


@pytest.fixture
def post(author):
    return Post.objects.create(
        title="Hello",
        slug="hello",
        body="A post.",
        status="published",
        published_at=timezone.now() - dt.timedelta(days=1),
        author=author,
    )


@pytest.fixture
def rules(db):
    """The site's comment settings with the form timing check off (tests post at once)."""
    settings = CommentSettings.load()
    settings.min_seconds = 0
    settings.save()
    return settings


@pytest.fixture
def make_comment(post):
    def make(state=Comment.State.APPROVED, **fields):
        defaults = {
            "post": post,
            "author_name": "Bo",
            "author_email": "bo@example.net",
            "raw_content": "A thought.",
            "content": "<p>A thought.</p>",
            "state": state,
        }
        defaults.update(fields)
        return Comment.objects.create(**defaults)

    return make
