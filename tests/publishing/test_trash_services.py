"""The trash's verbs (plnet.publishing.services): move to trash, restore, delete permanently,
empty, and the tick that deletes what has been there PLNET_POST_TRASH_DAYS."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from plnet.conversation.models import Comment
from plnet.core import ticks
from plnet.publishing import services
from plnet.publishing.models import Category, Post, Tombstone
from plnet.publishing.navigation import build_navigation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def hooks(monkeypatch):
    """The after-commit hooks called, as (name, post id)."""
    calls = []
    monkeypatch.setattr(services, "on_post_published", lambda pk: calls.append(("published", pk)))
    monkeypatch.setattr(
        services, "on_post_deleted", lambda pk, url, html: calls.append(("deleted", pk, url))
    )
    return calls


def trash(post, captured):
    with captured(execute=True):
        return services.trash_post(post)


def restore(post, captured):
    with captured(execute=True):
        return services.restore_post(post)


def test_trashing_a_public_post_keeps_its_status_and_leaves_a_410(
    make_post, hooks, django_capture_on_commit_callbacks, site_url
):
    post = make_post("Public")
    path = post.get_absolute_url()
    before = timezone.now()
    trashed = trash(post, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert (post.status, post.trashed_from) == ("trash", "published")
    assert before <= post.trashed_at <= timezone.now()
    assert trashed.pk == post.pk and post.is_trashed and not post.is_public
    assert Tombstone.objects.filter(path=path).exists()
    assert hooks == [("deleted", post.pk, site_url + path)]  # its links are told it is gone
    assert not Post.objects.published().filter(pk=post.pk).exists()


def test_trashing_a_draft_leaves_no_tombstone_and_tells_nobody(
    make_post, hooks, django_capture_on_commit_callbacks
):
    post = make_post("Draft", status=Post.Status.DRAFT)
    trash(post, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert (post.status, post.trashed_from) == ("trash", "draft")
    assert not Tombstone.objects.exists() and hooks == []


def test_trashing_twice_changes_nothing(make_post, django_capture_on_commit_callbacks):
    post = make_post()
    first = trash(post, django_capture_on_commit_callbacks)
    second = trash(post, django_capture_on_commit_callbacks)
    assert (second.trashed_at, second.trashed_from) == (first.trashed_at, "published")


@pytest.mark.parametrize("status", ["published", "draft", "private"])
def test_restore_gives_back_the_status_it_had_under_the_same_address(
    make_post, status, django_capture_on_commit_callbacks
):
    post = make_post("Back", status=status)
    url, when = post.get_absolute_url(), post.published_at
    trash(post, django_capture_on_commit_callbacks)
    restored = restore(post, django_capture_on_commit_callbacks)
    assert (restored.status, restored.trashed_from, restored.trashed_at) == (status, "", None)
    assert (restored.get_absolute_url(), restored.published_at) == (url, when)


def test_restore_lifts_the_tombstone_keeps_the_comments_and_republishes(
    make_post, hooks, django_capture_on_commit_callbacks
):
    post = make_post("Discussed")
    Comment.objects.create(post=post, author_name="Bo", content="<p>Yes</p>", state="approved")
    path = post.get_absolute_url()
    trash(post, django_capture_on_commit_callbacks)
    assert Comment.objects.filter(post=post).count() == 1  # stored while in the trash
    restore(post, django_capture_on_commit_callbacks)
    assert not Tombstone.objects.filter(path=path).exists()
    assert Comment.objects.get(post=post).state == "approved"
    assert hooks[-1] == ("published", post.pk)


def test_a_scheduled_post_comes_back_scheduled_or_published_when_its_time_passed(
    make_post, django_capture_on_commit_callbacks
):
    later = timezone.now() + dt.timedelta(days=2)
    future = make_post("Future", status=Post.Status.SCHEDULED, when=later)
    trash(future, django_capture_on_commit_callbacks)
    assert restore(future, django_capture_on_commit_callbacks).status == "scheduled"

    soon = make_post("Soon", status=Post.Status.SCHEDULED, when=later)
    trash(soon, django_capture_on_commit_callbacks)
    Post.objects.filter(pk=soon.pk).update(published_at=timezone.now() - dt.timedelta(hours=1))
    assert restore(soon, django_capture_on_commit_callbacks).status == "published"


def test_without_a_known_status_it_comes_back_a_draft(
    make_post, django_capture_on_commit_callbacks
):
    post = make_post(status=Post.Status.TRASH, trashed_from="", trashed_at=timezone.now())
    assert restore(post, django_capture_on_commit_callbacks).status == "draft"


def test_restoring_a_post_not_in_the_trash_is_refused(make_post):
    with pytest.raises(services.PublishingError, match="not in the trash"):
        services.restore_post(make_post())


def test_save_post_never_moves_a_post_in_or_out_of_the_trash(
    make_post, django_capture_on_commit_callbacks
):
    post = make_post("Kept")
    with pytest.raises(services.PublishingError, match="Move to trash"):
        services.save_post(post, status="trash")
    trash(post, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    with pytest.raises(services.PublishingError, match="restore it first"):
        services.save_post(post, status="published")
    post.title = "Kept, retitled"
    services.save_post(post, status="trash")  # an edit in the trash (the admin) stays there
    post.refresh_from_db()
    assert (post.title, post.status, post.trashed_from) == ("Kept, retitled", "trash", "published")


def test_delete_permanently_from_the_trash_keeps_the_410(
    make_post, django_capture_on_commit_callbacks
):
    post = make_post("Gone")
    Comment.objects.create(post=post, author_name="Bo", content="<p>x</p>", state="approved")
    path = post.get_absolute_url()
    trash(post, django_capture_on_commit_callbacks)
    services.delete_post(Post.objects.get(pk=post.pk))
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Comment.objects.exists()
    assert Tombstone.objects.filter(path=path).exists()


def test_empty_trash_deletes_only_the_trashed_posts_given(
    make_post, other_author, django_capture_on_commit_callbacks
):
    kept = make_post("Live")
    mine = [make_post(f"Mine {n}") for n in range(2)]
    theirs = make_post("Theirs", author=other_author)
    for post in [*mine, theirs]:
        trash(post, django_capture_on_commit_callbacks)
    deleted = services.empty_trash(Post.objects.filter(author=kept.author))
    assert deleted == 2
    assert set(Post.objects.values_list("title", flat=True)) == {"Live", "Theirs"}


def test_the_tick_deletes_what_has_been_in_the_trash_long_enough(
    make_post, settings, django_capture_on_commit_callbacks
):
    assert settings.PLNET.post_trash_days == 30
    now = timezone.now()
    ages = {"old": 31, "just": 30, "young": 29}
    posts = {name: make_post(name) for name in [*ages, "live", "undated"]}
    for name, days in ages.items():
        trash(posts[name], django_capture_on_commit_callbacks)
        Post.objects.filter(pk=posts[name].pk).update(
            trashed_at=now - dt.timedelta(days=days, seconds=1 if days == 30 else 0)
        )
    Post.objects.filter(pk=posts["undated"].pk).update(status="trash", trashed_at=None)
    ticks.registered()["publishing.empty_trash"].func()  # enqueues; ImmediateBackend runs
    assert set(Post.objects.values_list("title", flat=True)) == {"young", "live", "undated"}

    settings.PLNET = dataclasses.replace(settings.PLNET, post_trash_days=7)
    ticks.registered()["publishing.empty_trash"].func()
    assert set(Post.objects.values_list("title", flat=True)) == {"live", "undated"}


def test_the_deletion_task_leaves_a_restored_post_alone(
    make_post, django_capture_on_commit_callbacks
):
    post = make_post("Saved in time")
    trash(post, django_capture_on_commit_callbacks)
    Post.objects.filter(pk=post.pk).update(trashed_at=timezone.now() - dt.timedelta(days=40))
    restore(post, django_capture_on_commit_callbacks)
    assert services.delete_if_trash_expired(post.pk) is False
    assert services.delete_if_trash_expired(10**9) is False  # already gone: nothing to do
    assert Post.objects.filter(pk=post.pk, status="published").exists()


def test_trashed_posts_and_pages_leave_counts_navigation_and_the_story(
    make_post, author, django_capture_on_commit_callbacks
):
    cat = Category.objects.create(name="Notes", slug="notes")
    first, middle, last = (make_post(t) for t in ("First", "Middle", "Last"))
    for post in (first, middle, last):
        post.categories.add(cat)
    page = make_post("About", post_type="page", slug="about")
    year = first.published_at.year
    assert build_navigation()["pages"] == [("About", "/about/")]
    assert services.category_tree()[0].posts == 3
    trash(middle, django_capture_on_commit_callbacks)
    trash(page, django_capture_on_commit_callbacks)
    assert build_navigation()["pages"] == []
    assert [y for y, _ in build_navigation()["years"]] == [year]
    assert services.category_tree()[0].posts == 2
    previous, following = services.adjacent_posts(last)
    assert (previous.title, following) == ("First", None)
    assert services.post_number(last) == 2
