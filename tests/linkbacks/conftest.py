"""Fixtures of the linkbacks tests: a published post of ours, its absolute URL, and a stub resolver."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from plnet.publishing.models import Post


@pytest.fixture
def post(db, django_user_model):
    author = django_user_model.objects.create(username="ana")
    return Post.objects.create(
        title="Learning in public",
        slug="learning-in-public",
        body="I think in public. See [Bob's post](https://bob.example/notes/1).",
        status="published",
        published_at=dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC),
        author=author,
    )


@pytest.fixture
def target(post) -> str:
    """The absolute URL of `post` on this site (what a sender names as target)."""
    return settings.SITE_URL + post.get_absolute_url()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (so the ImmediateBackend runs the tasks) inside a test transaction."""

    def run(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return run
