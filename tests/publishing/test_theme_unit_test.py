"""Every public page on WordPress's Theme Unit Test content (wxr/theme-test-data): long and
marked-up titles, deep category trees, a sticky, a protected, a scheduled and a draft post,
pages in a hierarchy. Seeded with lxml (tests/publishing/wxr_seed.py), then read through the
Django test client as a visitor would."""

from __future__ import annotations

import re

import feedparser
import pytest
from django.utils import timezone
from django.utils.html import escape
from taggit.models import Tag

from plnet.publishing.models import Category, Post

from . import wxr_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def theme_site(corpus, django_user_model):
    return wxr_seed.seed(wxr_seed.theme_unit_test(corpus), django_user_model)


def expected_counts(corpus) -> dict[tuple[str, str], int]:
    root, ns = wxr_seed.read(wxr_seed.theme_unit_test(corpus))
    counts: dict[tuple[str, str], int] = {}
    for item in root.iter("item"):
        key = (
            item.findtext("wp:post_type", namespaces=ns),
            item.findtext("wp:status", namespaces=ns),
        )
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_every_public_page_answers_with_its_title(client, theme_site, corpus):
    counts = expected_counts(corpus)
    public = Post.objects.published()
    assert public.posts().count() == counts[("post", "publish")]
    assert public.pages().count() == counts[("page", "publish")]
    for post in public:
        response = client.get(post.get_absolute_url())
        assert response.status_code == 200, (post.pk, post.get_absolute_url())
        shown = escape(post.title) if post.title else "(untitled)"
        assert f'<h1 class="p-name">{shown}</h1>' in response.content.decode(), post.pk


def test_unpublished_items_stay_hidden(client, theme_site):
    hidden = Post.objects.exclude(pk__in=Post.objects.published())
    assert {p.status for p in hidden} == {"draft", "scheduled"}
    for post in hidden:
        if post.published_at:
            assert client.get(post.get_absolute_url()).status_code == 404, post.pk


def test_home_pages_show_every_post_once_sticky_first(client, theme_site):
    seen = []
    for number in range(1, 10):
        body = client.get("/", {"page": number}).content.decode()
        seen += re.findall(r'class="u-url" href="([^"]+)"', body)
        if 'rel="next"' not in body:
            break
    public = Post.objects.posts().published()
    assert sorted(seen) == sorted(p.get_absolute_url() for p in public)
    assert seen[0] == public.get(sticky=True).get_absolute_url()
    assert public.get(sticky=True).title == "Template: Sticky"


def test_protected_post_keeps_its_content(client, theme_site):
    post = Post.objects.get(title__startswith="Template: Password Protected")
    body = client.get(post.get_absolute_url()).content.decode()
    assert 'name="post_password"' in body
    assert post.search_text[:40] not in body
    client.post(f"/protected/{post.pk}/", {"post_password": "enter"})
    assert post.search_text[:40] in client.get(post.get_absolute_url()).content.decode()


def test_every_category_and_tag_archive_and_feed(client, theme_site):
    cats = list(Category.objects.all())
    assert any(c.ancestors for c in cats)  # the deep hierarchy is there
    for cat in cats:
        assert client.get(cat.get_absolute_url()).status_code == 200, cat.path
        feed = feedparser.parse(client.get(cat.get_absolute_url() + "feed/").content)
        assert not feed.bozo, cat.path
    for tag in Tag.objects.all():
        assert client.get(f"/tag/{tag.slug}/").status_code == 200, tag.slug
    feed = feedparser.parse(client.get("/feed/").content)
    newest = Post.objects.posts().published().order_by("-published_at", "-id")[:10]
    assert [e.title for e in feed.entries] == [p.title or "(untitled)" for p in newest]
    assert all(e.published_parsed for e in feed.entries)
    assert newest[0].published_at <= timezone.now()
