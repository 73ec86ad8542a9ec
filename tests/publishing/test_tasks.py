"""The scheduled-post tick and task: due posts go live once, others wait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plnet.core import ticks
from plnet.publishing import services
from plnet.publishing.models import Post
from plnet.publishing.tasks import publish_scheduled_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


def test_tick_is_registered_by_the_app():
    assert "publishing.publish_due" in ticks.registered()


def test_tick_publishes_due_posts_through_the_task(
    make_post, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(services, "on_post_published", published.append)
    now = timezone.now()
    due = [make_post(status="scheduled", when=now - dt.timedelta(minutes=i)) for i in (1, 2)]
    waiting = make_post(status="scheduled", when=now + dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        ticks.registered()["publishing.publish_due"].func()
        ticks.registered()["publishing.publish_due"].func()  # a second tick finds nothing due
    assert sorted(published) == sorted(p.pk for p in due)
    assert Post.objects.get(pk=waiting.pk).status == "scheduled"
    assert set(Post.objects.published().values_list("pk", flat=True)) == {p.pk for p in due}


def test_task_run_twice_publishes_once(make_post):
    post = make_post(status="scheduled", when=timezone.now() - dt.timedelta(seconds=1))
    assert publish_scheduled_post.enqueue(post.pk).return_value is True
    assert publish_scheduled_post.enqueue(post.pk).return_value is False
    assert Post.objects.get(pk=post.pk).status == "published"


def test_scheduled_post_is_hidden_until_published(client, make_post):
    post = make_post(status="scheduled", slug="soon", when=timezone.now() - dt.timedelta(seconds=1))
    url = post.get_absolute_url()
    assert client.get(url).status_code == 404
    services.enqueue_due_posts()
    assert client.get(url).status_code == 200
