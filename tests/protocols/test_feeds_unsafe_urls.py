"""Feed URLs that become hrefs (enclosures, entry links, site links) are kept only when they are
absolute http(s) URLs, in every format: a `javascript:` or `data:` URL from a feed would run script
on our pages when clicked (stored XSS)."""

from __future__ import annotations

import json

import pytest

from plnet.protocols.feeds import http_url, parse_feed

FEED_URL = "https://feeds.example/blog/feed"
UNSAFE = [
    "javascript:alert(7)",
    "JavaScript:alert(7)",
    " javascript:alert(7)",
    "java\nscript:alert(7)",
    "data:text/html,<script>alert(7)</script>",
    "vbscript:msgbox(7)",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_http_url_refuses_script_urls(url):
    assert http_url(FEED_URL, url) == ""


def test_http_url_resolves_relative_urls_against_the_base():
    assert http_url(FEED_URL, "../media/a.mp3") == "https://feeds.example/media/a.mp3"
    assert http_url(FEED_URL, " http://other.example/x ") == "http://other.example/x"
    assert http_url(FEED_URL, "") == ""
    assert http_url("", "/relative/without/base") == ""


def _rss(enclosure: str, link: str = "https://feeds.example/p/1") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{link}</link><item><guid>g1</guid><title>One</title><link>{link}</link>"
        f'<enclosure url="{enclosure}" type="audio/mpeg" length="10"/>'
        '<enclosure url="/media/ok.mp3" type="audio/mpeg" length="20"/>'
        "</item></channel></rss>"
    ).encode()


def _atom(enclosure: str, link: str = "https://feeds.example/p/1") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>T</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated><link href="{link}"/>'
        "<entry><id>urn:e1</id><title>One</title><updated>2024-01-01T00:00:00Z</updated>"
        f'<link rel="alternate" href="{link}"/>'
        f'<link rel="enclosure" href="{enclosure}" type="audio/mpeg" length="10"/>'
        '<link rel="enclosure" href="/media/ok.mp3" type="audio/mpeg" length="20"/>'
        "</entry></feed>"
    ).encode()


def _json(enclosure: str, link: str = "https://feeds.example/p/1") -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "T",
            "home_page_url": link,
            "items": [
                {
                    "id": "1",
                    "url": link,
                    "content_text": "x",
                    "attachments": [
                        {"url": enclosure, "mime_type": "audio/mpeg"},
                        {"url": "/media/ok.mp3", "mime_type": "audio/mpeg"},
                    ],
                }
            ],
        }
    ).encode()


OK = "https://feeds.example/media/ok.mp3"
BUILDERS = {"rss": _rss, "atom": _atom, "json": _json}


@pytest.mark.parametrize("url", UNSAFE[:1] + UNSAFE[4:5])
@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_only_http_enclosures_are_kept(fmt, url):
    content = BUILDERS[fmt](url.replace("<", "&lt;").replace(">", "&gt;") if fmt != "json" else url)
    (entry,) = parse_feed(content, FEED_URL).entries
    assert [e.url for e in entry.enclosures] == [OK]


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_script_links_of_entry_and_feed_are_dropped(fmt):
    feed = parse_feed(BUILDERS[fmt](OK, link="javascript:alert(8)"), FEED_URL)
    assert feed.link == ""
    assert feed.entries[0].link == ""


HFEED = b"""<!doctype html><html><body><div class="h-feed">
<a class="u-url" href="javascript:alert(9)">home</a>
<article class="h-entry"><a class="u-url p-name" href="javascript:alert(9)">One</a>
<div class="e-content"><p>text</p></div></article>
<article class="h-entry"><a class="u-url p-name" href="/p/2">Two</a>
<div class="e-content"><p>text</p></div></article>
</div></body></html>"""


def test_hfeed_script_links_are_dropped_and_relative_ones_resolved():
    feed = parse_feed(HFEED, "https://notes.example/", "text/html")
    assert feed.format == "hfeed"
    assert feed.link == ""
    assert [e.link for e in feed.entries] == ["", "https://notes.example/p/2"]
