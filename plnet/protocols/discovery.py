"""Feed autodiscovery in an HTML page (RSS Autodiscovery, https://www.rssboard.org/rss-autodiscovery;
HTML Living Standard §4.6.7.12 rel="alternate" with a feed MIME type; JSON Feed 1.1 "Discovery").

`feed_links(html, base_url)` lists the <link rel="alternate"> feeds a page declares, in page order;
`COMMON_PATHS` are the usual places tried when a page declares none. No network here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    "application/rdf+xml": "rdf",
    "text/xml": "xml",
    "application/xml": "xml",
}
# Tried in order, against the site's root, when a page names no feed.
COMMON_PATHS = ("/feed", "/rss", "/atom.xml", "/feed.xml", "/index.xml", "/rss.xml", "/feed.json")


@dataclass(frozen=True)
class FeedLink:
    """A feed a page points at: absolute `url`, MIME `type`, and its `title` (may be empty)."""

    url: str
    type: str
    title: str = ""


def feed_links(html: bytes | str, base_url: str) -> list[FeedLink]:
    """The feeds an HTML page declares with <link rel="alternate" type=feed-type href=…>.

    Relative hrefs resolve against <base href> if present, else base_url. Preference order:
    the page's own order, with JSON Feed's application/feed+json counted like RSS and Atom.
    Returns [] for anything that is not parseable HTML.
    """
    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    base = doc.find(".//base[@href]")
    base_url = urljoin(base_url, base.get("href").strip()) if base is not None else base_url
    found: dict[str, FeedLink] = {}
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        mime = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rels and mime in FEED_TYPES and href and "stylesheet" not in rels:
            url = urljoin(base_url, href)
            found.setdefault(url, FeedLink(url, mime, (link.get("title") or "").strip()))
    return list(found.values())


def candidate_urls(page_url: str) -> list[str]:
    """The COMMON_PATHS resolved against the root of page_url's site."""
    return [urljoin(page_url, path) for path in COMMON_PATHS]
