"""Publishing services: the status lifecycle, slugs, after-commit hooks, a post's place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plnet.publishing import services
from plnet.publishing.models import Category, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]
NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
PAST = NOW - dt.timedelta(days=2)
FUTURE = NOW + dt.timedelta(days=2)


@pytest.mark.parametrize(
    "asked,when,expected",
    [
        ("published", None, ("published", NOW)),
        ("published", PAST, ("published", PAST)),
        ("published", FUTURE, ("scheduled", FUTURE)),
        ("scheduled", FUTURE, ("scheduled", FUTURE)),
        ("scheduled", PAST, ("published", PAST)),
        ("draft", None, ("draft", None)),
        ("draft", FUTURE, ("draft", FUTURE)),
        ("private", None, ("private", NOW)),
    ],
)
def test_resolve_status_follows_wordpress(asked, when, expected):
    assert services.resolve_status(asked, when, NOW) == expected


def test_scheduling_without_a_date_is_refused():
    with pytest.raises(services.PublishingError, match="date"):
        services.resolve_status("scheduled", None, NOW)


def test_unique_slug_appends_numbers_per_post_type(author):
    assert services.unique_slug("Hello, World!", post_type="post") == "hello-world"
    Post.objects.create(title="a", slug="hello-world", author=author)
    Post.objects.create(title="b", slug="hello-world-2", author=author)
    assert services.unique_slug("Hello world", post_type="post") == "hello-world-3"
    assert services.unique_slug("Hello world", post_type="page") == "hello-world"
    assert services.unique_slug("¿¡!?", post_type="post") == "untitled"
    assert services.unique_slug("Ça déménage", post_type="post") == "ça-déménage"


def test_save_draft_then_publish_runs_the_published_hook_once_after_commit(
    author, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(services, "on_post_published", lambda pk: calls.append(("pub", pk)))
    monkeypatch.setattr(
        services, "on_post_updated", lambda pk, html: calls.append(("upd", pk, html.strip()))
    )
    post = Post(title="First thoughts", body="hello", author=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_draft(post, tags=["learning"], categories=[])
    assert calls == [] and post.status == "draft" and post.slug == "first-thoughts"
    assert list(post.tags.names()) == ["learning"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publish_post(post)
    assert calls == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert calls == [("pub", post.pk)]
    post.refresh_from_db()
    assert post.status == "published" and post.is_public
    with django_capture_on_commit_callbacks(execute=True):
        post.body = "edited"
        services.save_post(post, status="published", published_at=post.published_at)
    assert calls == [("pub", post.pk), ("upd", post.pk, "<p>hello</p>")]


def test_withdrawing_and_deleting_a_public_post_run_the_deleted_hook(
    make_post, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        services, "on_post_deleted", lambda pk, url, html: calls.append((pk, url, html.strip()))
    )
    post = make_post(slug="gone", body="[a link](https://x.example/)",
                     when=dt.datetime(2024, 2, 3, 10, tzinfo=dt.UTC))  # fmt: skip
    linked = '<p><a href="https://x.example/" rel="noopener noreferrer nofollow">a link</a></p>'
    with django_capture_on_commit_callbacks(execute=True):
        services.save_draft(post)
    assert calls == [(post.pk, "https://blog.example.org/2024/02/03/gone/", linked)]
    other = make_post(slug="bye", body="Bye.", when=dt.datetime(2024, 2, 4, 10, tzinfo=dt.UTC))
    pk = other.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(other)
    assert calls[-1] == (pk, "https://blog.example.org/2024/02/04/bye/", "<p>Bye.</p>")
    assert not Post.objects.filter(pk=pk).exists()
    draft = make_post(status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(draft)
    assert len(calls) == 2  # a draft was never public: nobody to tell


def test_schedule_post_refuses_a_past_time(author):
    post = Post(title="Late", author=author)
    with pytest.raises(services.PublishingError, match="passed"):
        services.schedule_post(post, at=timezone.now() - dt.timedelta(minutes=1))
    assert post.pk is None


def test_failed_save_leaves_nothing_half_written(author, monkeypatch):
    post = Post(title="Half", author=author)

    def broken(*args, **kwargs):
        raise RuntimeError("failed after the row was written")

    monkeypatch.setattr(services, "_run_hooks", broken)
    with pytest.raises(RuntimeError):
        services.save_draft(post, tags=["x"])
    assert not Post.objects.filter(title="Half").exists()


def test_publish_due_post_is_idempotent_and_leaves_others_alone(
    make_post, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(services, "on_post_published", calls.append)
    now = timezone.now()
    due = make_post(status="scheduled", when=now - dt.timedelta(seconds=5))
    later = make_post(status="scheduled", when=now + dt.timedelta(hours=1))
    draft = make_post(status="draft", when=now - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_due_post(due.pk) is True
        assert services.publish_due_post(due.pk) is False
        assert services.publish_due_post(later.pk) is False
        assert services.publish_due_post(draft.pk) is False
        assert services.publish_due_post(999_999) is False
    assert calls == [due.pk]
    statuses = dict(Post.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "published", later.pk: "scheduled", draft.pk: "draft"}


def test_post_number_counts_the_authors_published_posts_oldest_first(make_post, other_author):
    base = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    mine = [make_post(when=base + dt.timedelta(days=i)) for i in range(5)]
    make_post(when=base + dt.timedelta(days=2, hours=1), author=other_author)
    make_post(status="draft", when=base - dt.timedelta(days=1))
    twin = make_post(when=mine[2].published_at)  # same second: id breaks the tie
    assert [services.post_number(p) for p in mine] == [1, 2, 3, 5, 6]
    assert services.post_number(twin) == 4
    assert services.post_number(make_post(status="draft")) is None


def test_adjacent_posts_span_authors_and_skip_unpublished(make_post, other_author):
    base = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    first = make_post(when=base)
    make_post(status="draft", when=base + dt.timedelta(hours=1))
    second = make_post(when=base + dt.timedelta(days=1), author=other_author)
    third = make_post(when=base + dt.timedelta(days=2))
    assert services.adjacent_posts(first) == (None, second)
    assert services.adjacent_posts(second) == (first, third)
    assert services.adjacent_posts(third) == (second, None)


def test_save_post_sets_categories(author):
    cat = Category.objects.create(name="Reflections", slug="reflections")
    post = services.publish_post(Post(title="t", author=author), categories=[cat])
    assert list(post.categories.all()) == [cat]


def test_changing_a_public_posts_permalink_keeps_the_old_one_as_a_redirect(client, make_post):
    post = make_post(slug="first-name", when=dt.datetime(2024, 2, 3, 10, tzinfo=dt.UTC))
    post.slug = "better-name"
    services.save_post(post, status="published", published_at=post.published_at)
    response = client.get("/2024/02/03/first-name/")
    assert response.status_code == 301 and response["Location"] == "/2024/02/03/better-name/"
    post.slug = "first-name"  # and back again: no loop
    services.save_post(post, status="published", published_at=post.published_at)
    assert client.get("/2024/02/03/first-name/").status_code == 200
    assert client.get("/2024/02/03/better-name/")["Location"] == "/2024/02/03/first-name/"


def test_a_draft_changing_slug_leaves_no_redirect(make_post):
    from plnet.publishing.models import LegacyURL

    post = make_post(status="draft", slug="a")
    post.slug = "b"
    services.save_draft(post)
    assert not LegacyURL.objects.exists()


def test_adjacent_posts_and_their_links_take_two_queries(make_post, django_assert_num_queries):
    # Regression: the permalink's memo key read a deferred field, one more query per link.
    base = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    _, middle, _ = (make_post(when=base + dt.timedelta(days=i)) for i in range(3))
    with django_assert_num_queries(2):
        previous, following = services.adjacent_posts(middle)
        assert previous.get_absolute_url() != following.get_absolute_url()


def test_reserved_slugs_come_from_the_urlconf():
    reserved = services.reserved_slugs()
    assert {"admin", "reader", "moderation", "feed", "login", "write", "sitemap.xml"} <= reserved
    assert not any("(" in s or "<" in s for s in reserved)


@pytest.mark.django_db
def test_a_top_level_page_never_takes_a_reserved_slug(author):
    page = Post(post_type="page", title="Admin", author=author)
    services.save_post(page, status=Post.Status.PUBLISHED)
    assert page.slug == "admin-2"
    year = services.save_post(Post(post_type="page", title="2019", author=author), status="draft")
    assert year.slug == "2019-2"
    child = Post(post_type="page", title="Admin", parent=page, author=author)
    assert services.save_post(child, status=Post.Status.PUBLISHED).slug == "admin"
    post = services.save_post(Post(title="Admin", author=author), status=Post.Status.PUBLISHED)
    assert post.slug == "admin"
