"""Post model: rendering, plain text, summaries, local-date permalinks, querysets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plnet.publishing.models import Category, Post, html_to_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


def test_html_to_text_keeps_words_apart_and_decodes_entities():
    html = (
        "<h2>Title</h2><p>one &amp; two</p><ul><li>three</li><li>four</li></ul><p>fi<em>ve</em></p>"
    )
    assert html_to_text(html) == "Title one & two three four five"


def test_markdown_body_is_rendered_and_sanitised(make_post):
    post = make_post(
        body='# Hi\n\n<script>alert(1)</script>\n\n<a href="javascript:alert(1)">x</a> **bold**'
    )
    assert "<script" not in post.content_html and "alert" not in post.content_html
    assert "javascript:" not in post.content_html
    assert "<strong>bold</strong>" in post.content_html
    assert post.search_text == "Hi x bold"


def test_update_fields_with_body_refreshes_rendered_html(make_post):
    post = make_post(body="old")
    post.body = "*new*"
    post.save(update_fields=["body"])
    post.refresh_from_db()
    assert post.content_html.strip() == "<p><em>new</em></p>"
    assert post.search_text == "new"


def test_summary_prefers_excerpt_then_first_55_words(make_post):
    words = [f"w{i}" for i in range(80)]
    post = make_post(body=" ".join(words))
    assert post.summary == " ".join(words[:55]) + " …"
    post.excerpt = "<p>Short &amp; sweet</p>"
    assert post.summary == "Short & sweet"


@pytest.mark.parametrize(
    "zone,expected",
    [
        ("UTC", "/2024/03/05/late/"),
        ("Europe/Paris", "/2024/03/06/late/"),  # 23:30 UTC is 00:30 the next day in Paris
        ("America/New_York", "/2024/03/05/late/"),  # 18:30 the same day
    ],
)
def test_permalink_uses_the_sites_local_date(settings, make_post, zone, expected):
    settings.TIME_ZONE = zone
    post = make_post(slug="late", when=dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.UTC))
    with timezone.override(zone):
        assert post.get_absolute_url() == expected
        y, m, d = (int(x) for x in expected.split("/")[1:4])
        assert list(Post.objects.published_on(y, m, d)) == [post]


def test_published_excludes_drafts_private_scheduled_and_future(make_post):
    now = timezone.now()
    visible = make_post(when=now - dt.timedelta(minutes=1))
    make_post(status=Post.Status.DRAFT)
    make_post(status=Post.Status.PRIVATE)
    make_post(status=Post.Status.SCHEDULED, when=now + dt.timedelta(hours=1))
    make_post(when=now + dt.timedelta(hours=1))  # published status but in the future
    assert list(Post.objects.published()) == [visible]


def test_due_is_scheduled_posts_whose_time_has_come(make_post):
    now = timezone.now()
    due = make_post(status=Post.Status.SCHEDULED, when=now - dt.timedelta(seconds=1))
    make_post(status=Post.Status.SCHEDULED, when=now + dt.timedelta(minutes=5))
    assert list(Post.objects.due()) == [due]


def test_sticky_first_then_newest(make_post):
    old_sticky = make_post(when=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), sticky=True)
    newest = make_post(when=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    middle = make_post(when=dt.datetime(2022, 1, 1, tzinfo=dt.UTC))
    assert list(Post.objects.sticky_first()) == [old_sticky, newest, middle]


def test_with_comment_counts_counts_only_approved(make_post):
    from plnet.conversation.models import Comment

    post = make_post()
    for state in ["approved", "approved", "pending", "spam", "trash"]:
        Comment.objects.create(post=post, state=state, content="hi")
    assert Post.objects.with_comment_counts().get(pk=post.pk).approved_comment_count == 2


def test_category_path_is_cycle_safe():
    a = Category.objects.create(name="A", slug="a")
    b = Category.objects.create(name="B", slug="b", parent=a)
    assert b.path == "a/b"
    a.parent = b
    a.save()
    assert b.path == "a/b"  # the loop stops at b itself
    assert b.get_absolute_url() == "/category/a/b/"


def test_remembered_permalink_follows_changes(settings, make_post):
    post = make_post(slug="first", when=dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.UTC))
    assert post.get_absolute_url() == "/2024/03/05/first/"
    post.slug = "second"
    assert post.get_absolute_url() == "/2024/03/05/second/"
    post.published_at = dt.datetime(2024, 4, 1, 12, tzinfo=dt.UTC)
    assert post.get_absolute_url() == "/2024/04/01/second/"
    with timezone.override("Asia/Tokyo"):
        post.published_at = dt.datetime(2024, 4, 1, 20, tzinfo=dt.UTC)
        assert post.get_absolute_url() == "/2024/04/02/second/"


def test_subtree_ids_include_every_level_and_survive_cycles():
    a = Category.objects.create(name="A", slug="a")
    b = Category.objects.create(name="B", slug="b", parent=a)
    c = Category.objects.create(name="C", slug="c", parent=b)
    Category.objects.create(name="Other", slug="other")
    assert sorted(a.subtree_ids()) == sorted([a.pk, b.pk, c.pk])
    assert sorted(b.subtree_ids()) == sorted([b.pk, c.pk])
    a.parent = c
    a.save()
    assert sorted(b.subtree_ids()) == sorted([a.pk, b.pk, c.pk])
