"""plnet.protocols.hfeed: microformats2 h-feed pages read as feeds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plnet.protocols.feeds import NotAFeed, parse_feed
from plnet.protocols.hfeed import parse_hfeed

PAGE = b"""<!doctype html><html><body>
<div class="h-feed">
  <h1 class="p-name">Ton's notes</h1>
  <article class="h-entry">
    <h2 class="p-name"><a class="u-url" href="/2024/05/one">First post</a></h2>
    <a class="p-author h-card" href="/">Ton</a>
    <time class="dt-published" datetime="2024-05-01T10:00:00+02:00">1 May</time>
    <div class="e-content"><p>Hello <img src="pic.jpg" alt="a pic"></p></div>
  </article>
  <article class="h-entry">
    <div class="p-name e-content">Just a note, no title.</div>
    <a class="u-url u-uid" href="https://ton.example/notes/2"><time class="dt-published" datetime="2024-05-02 08:00:00Z">2 May</time></a>
  </article>
</div></body></html>"""


def test_hfeed_entries():
    feed = parse_hfeed(PAGE, "https://ton.example/")
    assert (feed.format, feed.title) == ("hfeed", "Ton's notes")
    first, second = feed.entries
    assert (first.guid, first.link, first.title, first.author) == (
        "https://ton.example/2024/05/one", "https://ton.example/2024/05/one", "First post", "Ton",
    )  # fmt: skip
    assert first.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert 'src="https://ton.example/pic.jpg"' in first.content_html
    assert (second.title, second.guid) == ("", "https://ton.example/notes/2")
    assert second.published == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


def test_top_level_entries_without_an_hfeed():
    page = b'<html><body><article class="h-entry"><a class="u-url p-name" href="/a">A</a></article></body></html>'
    feed = parse_feed(page, "https://x.example/", "text/html")
    assert [e.link for e in feed.entries] == ["https://x.example/a"]


def test_plain_page_is_not_a_feed():
    with pytest.raises(NotAFeed):
        parse_feed(
            b"<!doctype html><html><body><p>x</p></body></html>", "https://x.example/", "text/html"
        )


def test_rss_served_as_text_html_is_still_read_as_rss():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><guid>1</guid></item></channel></rss>'
    assert parse_feed(rss, "https://x.example/feed", "text/html").format == "rss20"
