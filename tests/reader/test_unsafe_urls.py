"""Stored XSS through feed URLs: a `javascript:`/`data:` enclosure or link from a feed is never
stored, rendered as an href on the entry page or the river, nor returned by the API — for RSS,
Atom, JSON Feed and h-feed, fetched over HTTP from the loopback server."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from plnet.reader import services
from plnet.reader.actions import create_token
from plnet.reader.models import Entry, Source, Subscription
from tests.protocols.test_feeds_unsafe_urls import HFEED, _atom, _json, _rss

pytestmark = pytest.mark.django_db

TYPES = {
    "rss": ("application/rss+xml", _rss),
    "atom": ("application/atom+xml", _atom),
    "json": ("application/feed+json", _json),
}
HREFS = re.compile(r'href="([^"]*)"')


def _entry_hrefs(html: str) -> list[str]:
    article = html[html.index("<article") : html.index("</article>")]
    return HREFS.findall(article)


@pytest.mark.usefixtures("allow_loopback_fetch")
@pytest.mark.parametrize("fmt", sorted(TYPES))
@pytest.mark.parametrize("bad", ["javascript:alert(7)", "data:text/html,alert(7)"])
def test_feed_with_script_enclosure_shows_and_serves_only_the_http_one(
    client, member, local_server, fmt, bad
):
    content_type, build = TYPES[fmt]
    local_server.routes["/feed"] = (200, {"Content-Type": content_type}, build(bad))
    source = Source.objects.create(url=local_server.url("/feed"))
    Subscription.objects.create(user=member, source=source)
    services.fetch_source(source.pk)
    entry = Entry.objects.get()
    ok = local_server.url("/media/ok.mp3")
    assert [e["url"] for e in entry.enclosures] == [ok]

    client.force_login(member)
    html = client.get(reverse("reader:entry", args=[entry.pk])).content.decode()
    assert _entry_hrefs(html) == ["https://feeds.example/p/1", ok]
    assert "alert(7)" not in html

    _, token = create_token(member, "t")
    data = client.get(f"/api/v1/entries/{entry.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [e["url"] for e in data["enclosures"]] == [ok]


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_hfeed_script_links_are_not_stored(member, local_server):
    local_server.routes["/notes"] = (200, {"Content-Type": "text/html"}, HFEED)
    source = Source.objects.create(url=local_server.url("/notes"))
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert sorted(Entry.objects.values_list("link", flat=True)) == [
        "",
        local_server.url("/p/2"),
    ]
    assert source.site_url == ""


@pytest.fixture
def stored_bad_entry(member):
    """An entry stored before the parsers filtered URLs (or by any other path)."""
    source = Source.objects.create(
        url="https://a.example/feed", site_url="javascript:alert(3)", title="A"
    )
    Subscription.objects.create(user=member, source=source)
    return Entry.objects.create(
        source=source,
        dedup_key="x",
        title="Old",
        link="javascript:alert(1)",
        enclosures=[
            {"url": "javascript:alert(2)", "type": "audio/mpeg", "length": None, "duration": None},
            {"url": "https://a.example/a.mp3", "type": "", "length": None, "duration": None},
        ],
        published_at="2024-01-01T00:00:00Z",
    )


def test_templates_never_render_a_script_href(client, member, stored_bad_entry):
    client.force_login(member)
    entry_page = client.get(reverse("reader:entry", args=[stored_bad_entry.pk])).content.decode()
    assert _entry_hrefs(entry_page) == ["https://a.example/a.mp3"]
    river = client.get(reverse("reader:river")).content.decode()
    assert 'href="javascript:' not in river and 'data-link="javascript:' not in river
    sub = Subscription.objects.get()
    edit = client.get(reverse("reader:subscription", args=[sub.pk])).content.decode()
    assert "javascript:" not in edit


def test_migration_drops_stored_script_urls(stored_bad_entry):
    migration = importlib.import_module("plnet.reader.migrations.0005_drop_unsafe_entry_urls")
    migration.drop_unsafe_urls(apps, None)
    stored_bad_entry.refresh_from_db()
    assert stored_bad_entry.link == ""
    assert [e["url"] for e in stored_bad_entry.enclosures] == ["https://a.example/a.mp3"]
    assert Source.objects.get().site_url == ""
