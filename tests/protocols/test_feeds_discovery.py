"""plnet.protocols.discovery: <link rel="alternate"> feeds in a page, and the usual paths."""

from __future__ import annotations

from plnet.protocols.discovery import COMMON_PATHS, FeedLink, candidate_urls, feed_links


def test_alternate_links_in_page_order_resolved_against_base():
    page = b"""<!doctype html><html><head>
      <base href="https://blog.example/sub/">
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/rss+xml" title="Posts" href="feed/">
      <link rel="alternate" type="application/atom+xml" href="https://blog.example/atom.xml">
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="alternate" type="application/rss+xml" title="Again" href="feed/">
      <link rel="alternate" hreflang="fr" href="/fr/">
      <link rel="Alternate" type="application/RSS+XML; charset=utf-8" href="/comments/feed/">
    </head><body></body></html>"""
    assert feed_links(page, "https://blog.example/sub/page") == [
        FeedLink("https://blog.example/sub/feed/", "application/rss+xml", "Posts"),
        FeedLink("https://blog.example/atom.xml", "application/atom+xml", ""),
        FeedLink("https://blog.example/feed.json", "application/feed+json", ""),
        FeedLink("https://blog.example/comments/feed/", "application/rss+xml", ""),
    ]


def test_no_links_and_non_html():
    assert feed_links(b"<html><body>hi</body></html>", "https://x.example/") == []
    assert feed_links(b"", "https://x.example/") == []
    assert feed_links(b"\x00\x01", "https://x.example/") == []


def test_candidate_urls_are_on_the_site_root():
    urls = candidate_urls("https://x.example/deep/page.html")
    assert urls == [f"https://x.example{p}" for p in COMMON_PATHS]
    assert urls[:6] == [
        "https://x.example/feed", "https://x.example/rss", "https://x.example/atom.xml",
        "https://x.example/feed.xml", "https://x.example/index.xml", "https://x.example/rss.xml",
    ]  # fmt: skip
