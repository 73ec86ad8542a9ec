"""Regression: a feed's or outline's site link ended up in an href unchecked (stored XSS in the
reader's source page, the API and the OPML export). Only http(s) links survive parsing."""

from plnet.protocols.feeds import parse_feed
from plnet.protocols.hfeed import parse_hfeed
from plnet.protocols.opml import parse_opml

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<link>javascript:alert(1)</link><item><title>A</title><link>javascript:alert(2)</link>
<guid>a1</guid></item></channel></rss>"""

JSON_FEED = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "J",
"home_page_url": "javascript:alert(1)", "items": [{"id": "1", "url": "javascript:alert(2)",
"content_text": "hi"}]}"""

HFEED = b"""<html><body><div class="h-feed"><a class="u-url" href="javascript:alert(1)">home</a>
<article class="h-entry"><a class="u-url p-name" href="javascript:alert(2)">Post</a>
<div class="e-content">x</div></article></div></body></html>"""

OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>L</title></head><body>
<outline type="rss" text="A" xmlUrl="https://a.example/feed" htmlUrl="javascript:alert(1)"/>
<outline type="rss" text="B" xmlUrl="https://b.example/feed" htmlUrl="https://b.example/"/>
</body></opml>"""


def test_feed_links_must_be_http():
    for parsed in [parse_feed(RSS, "https://x.example/feed"),
                   parse_feed(JSON_FEED, "https://x.example/feed.json")]:  # fmt: skip
        assert parsed.link == ""
        assert [e.link for e in parsed.entries] == [""]


def test_hfeed_links_must_be_http():
    parsed = parse_hfeed(HFEED, "https://x.example/")
    assert parsed.link == ""
    assert [e.link for e in parsed.entries] == [""]


def test_outline_html_url_must_be_http():
    outlines = parse_opml(OPML).outlines
    assert [o.url for o in outlines] == ["https://a.example/feed", "https://b.example/feed"]
    assert not any(o.html_url.startswith("javascript") for o in outlines)


def test_http_only_keeps_http_and_drops_the_rest():
    from plnet.protocols.opml import _http_only

    assert _http_only(" https://b.example/ ") == "https://b.example/"
    assert _http_only("JavaScript:alert(1)") == ""
    assert _http_only("data:text/html,x") == ""
