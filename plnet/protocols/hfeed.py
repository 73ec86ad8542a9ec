"""microformats2 h-feed: an HTML page read as a feed (https://microformats.org/wiki/h-feed).

Parsing follows the microformats2 parsing spec (https://microformats.org/wiki/microformats2-parsing)
through mf2py. The feed is the first h-feed on the page, else the page itself when it holds
top-level h-entry items (h-feed "Parser Processing": implied feed). Entry properties read:
`uid`/`url` (id), `url` (link), `name` (title), `content`, `summary`, `published`, `updated`,
`author`. No network: mf2py is given the HTML text and the page URL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import mf2py

from plnet.protocols.feeds import FeedEntry, NotAFeed, ParsedFeed, http_url, plain_text


def _first(props: dict, name: str):
    values = props.get(name) or []
    return values[0] if values else None


def _text(value) -> str:
    if isinstance(value, dict):
        value = value.get("value") or value.get("html") or ""
        if isinstance(value, dict):  # an embedded h-card's value may itself be structured
            return ""
    return str(value or "").strip()


def _date(value) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # a floating time: read as UTC (mf2 gives no offset)
    return when.astimezone(UTC)


def _author(value) -> str:
    if isinstance(value, dict):
        props = value.get("properties") or {}
        return _text(_first(props, "name")) or _text(value.get("value"))
    return _text(value)


def _entry(item: dict, page_url: str) -> FeedEntry:
    props = item.get("properties") or {}
    content = _first(props, "content")
    content_html = content.get("html", "") if isinstance(content, dict) else ""
    if not content_html and content:
        content_html = "<p>" + plain_text(_text(content), is_html=False) + "</p>"
    url = _text(_first(props, "url"))
    name = _text(_first(props, "name"))
    # A note's implied name is its whole content: no title then, as for untitled posts.
    if name and content and plain_text(name, False) == plain_text(_text(content), False):
        name = ""
    summary = _text(_first(props, "summary"))
    return FeedEntry(
        guid=_text(_first(props, "uid")) or url,
        link=http_url(page_url, url),
        title=plain_text(name, is_html=False),
        content_html=content_html,
        summary_html=f"<p>{summary}</p>" if summary and not content_html else "",
        author=_author(_first(props, "author")),
        published=_date(_first(props, "published")),
        updated=_date(_first(props, "updated")),
        content_base=page_url,
    )


def _find_feed(items: list[dict]) -> tuple[dict | None, list[dict]]:
    for item in items:
        if "h-feed" in item.get("type", []):
            return item, [c for c in item.get("children", []) if "h-entry" in c.get("type", [])]
    entries = [i for i in items if "h-entry" in i.get("type", [])]
    return None, entries


def parse_hfeed(content: bytes | str, url: str = "") -> ParsedFeed:
    """Read the h-feed (or top-level h-entries) of an HTML page into a ParsedFeed.

    Raises NotAFeed when the page holds neither (the caller may then look for <link rel=alternate>).
    """
    html = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    parsed = mf2py.parse(doc=html, url=url or None)
    feed, items = _find_feed(parsed.get("items", []))
    if feed is None and not items:
        raise NotAFeed("this page is HTML without a feed or an h-feed")
    props = (feed or {}).get("properties", {})
    return ParsedFeed(
        format="hfeed",
        title=plain_text(_text(_first(props, "name")), is_html=False),
        link=http_url(url, _text(_first(props, "url")) or url),
        entries=tuple(_entry(i, url) for i in items),
    )
