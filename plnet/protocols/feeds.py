"""Feed parsing and normalising: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1, h-feed.

Specs: RSS 2.0 (https://www.rssboard.org/rss-specification), RSS 1.0 (RDF Site Summary),
Atom 1.0 (RFC 4287 §4.1.1 feed, §4.1.2 entry, §4.2.6 id, §4.2.7 link, §4.2.9 published,
§4.2.15 updated), xml:base (XML Base §4.2, RFC 4287 §2), JSON Feed 1.1 (https://jsonfeed.org/version/1.1,
"Top-level", "Items", "Attachments"; items without `id` are discarded, numeric ids become strings),
and microformats2 h-feed/h-entry (https://microformats.org/wiki/h-feed).

XML feeds are read by feedparser (its encoding detection, loose fallback and date parsing), with
its own HTML sanitiser and relative-URL pass turned off: the caller sanitises content once, with nh3,
resolving relative URLs against each entry's `content_base` (the in-scope xml:base, else the feed URL).
JSON Feed is read with the json module; h-feed with mf2py. Nothing here touches the network.

`parse_feed(content, url, content_type)` returns a `ParsedFeed` or raises `FeedError` with a sentence
fit to show a person.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
import nh3

JSON_FEED_VERSIONS = {
    "https://jsonfeed.org/version/1": "json10",
    "https://jsonfeed.org/version/1.1": "json11",
}


class FeedError(ValueError):
    """The bytes are not a feed plnet can read; str() says why, for the source's error state."""


class NotAFeed(FeedError):
    """The bytes are an HTML page (or something else) with neither feed nor h-feed in it."""


@dataclass(frozen=True)
class Enclosure:
    """An attached file (RSS <enclosure>, Atom link rel="enclosure", JSON Feed attachment).

    `length` is in bytes and `duration` in seconds, when given.
    """

    url: str
    type: str = ""
    length: int | None = None
    duration: int | None = None

    def as_dict(self) -> dict:
        return {
            "url": self.url,
            "type": self.type,
            "length": self.length,
            "duration": self.duration,
        }


@dataclass(frozen=True)
class FeedEntry:
    """One item/entry, normalised. HTML fields are NOT sanitised (see module docstring).

    `published`/`updated` are aware UTC datetimes or None; `content_base` is the URL relative
    links in `content_html`/`summary_html` resolve against.
    """

    guid: str = ""
    link: str = ""
    title: str = ""
    content_html: str = ""
    summary_html: str = ""
    author: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    content_base: str = ""
    enclosures: tuple[Enclosure, ...] = ()

    @property
    def date(self) -> datetime | None:
        """The date to show: published, else updated (RSS 1.0's dc:date is read as updated)."""
        return self.published or self.updated

    @property
    def dedup_key(self) -> str:
        """The identity used for deduplication: guid, else link, else a hash of title and date."""
        if self.guid:
            return "id:" + self.guid[:900]
        if self.link:
            return "link:" + self.link[:900]
        when = (
            (self.published or self.updated).isoformat() if self.published or self.updated else ""
        )
        digest = hashlib.sha256(f"{self.title}\n{when}\n{self.summary_html}".encode()).hexdigest()
        return "hash:" + digest


@dataclass(frozen=True)
class ParsedFeed:
    """A feed, normalised. `format` is feedparser's version string ('rss20', 'atom10', …),
    'json10'/'json11', or 'hfeed'. `warning` carries a recovered parse problem (feed still usable).
    """

    format: str
    title: str = ""
    link: str = ""
    description: str = ""
    entries: tuple[FeedEntry, ...] = ()
    warning: str = ""
    hubs: tuple[str, ...] = field(default=())


def _utc(parsed) -> datetime | None:
    """A feedparser time.struct_time (already UTC) to an aware datetime; None when absent/bad."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


def plain_text(value: str, is_html: bool = True) -> str:
    """Text of a title-like value: tags dropped, entities decoded, whitespace collapsed."""
    if is_html and "<" in value:
        value = nh3.clean(value, tags=set())
    if is_html and "&" in value:
        value = html.unescape(value)
    return _SPACE_RE.sub(" ", value).strip()


def _detail_text(obj, key: str) -> str:
    value = obj.get(key) or ""
    detail = obj.get(key + "_detail") or {}
    return plain_text(value, "html" in (detail.get("type") or "html"))


def _as_html(value: str, content_type: str) -> str:
    if "html" in (content_type or "text/html"):
        return value
    return "<p>" + html.escape(value).replace("\n\n", "</p><p>") + "</p>"


def _int_or_none(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def http_url(base: str, url: str) -> str:
    """url resolved against base when the result is an absolute http(s) URL, else "".

    Every URL of a feed that ends up in an href on our pages or in the API (entry link,
    enclosure, site link) goes through here: a feed is untrusted, and `javascript:` or
    `data:` URLs run script when clicked. (feedparser also copies an Atom id such as
    urn:uuid:… into `link` when an entry has none: that is no place to go either.)
    """
    url = url.strip() if isinstance(url, str) else ""
    resolved = urljoin(base, url) if url else ""
    return resolved if resolved.lower().startswith(("http://", "https://")) else ""


def _xml_entry(e, feed_url: str) -> FeedEntry:
    content, content_base = "", ""
    contents = e.get("content") or []
    if contents:
        best = next((c for c in contents if "html" in (c.get("type") or "")), contents[0])
        content = _as_html(best.get("value") or "", best.get("type") or "")
        content_base = best.get("base") or ""
    summary = ""
    if e.get("summary"):
        detail = e.get("summary_detail") or {}
        summary = _as_html(e["summary"], detail.get("type") or "")
        content_base = content_base or detail.get("base") or ""
    enclosure_base = urljoin(feed_url, content_base)
    enclosures = tuple(
        Enclosure(
            url=url,
            type=link.get("type") or "",
            length=_int_or_none(link.get("length")),
        )
        for link in e.get("links") or []
        if link.get("rel") == "enclosure"
        and (url := http_url(enclosure_base, link.get("href") or ""))
    )
    return FeedEntry(
        guid=(e.get("id") or "").strip(),
        link=http_url(feed_url, e.get("link") or ""),
        title=_detail_text(e, "title"),
        content_html=content,
        summary_html=summary,
        author=plain_text(e.get("author") or ""),
        published=_utc(e.get("published_parsed") or e.get("created_parsed")),
        updated=_utc(e.get("updated_parsed")),
        content_base=urljoin(feed_url, content_base) if content_base else feed_url,
        enclosures=tuple(dict.fromkeys(enclosures)),
    )


def _bozo_message(result) -> str:
    exc = result.get("bozo_exception")
    if not exc:
        return ""
    text = str(exc).strip() or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]


def parse_xml_feed(content: bytes, url: str = "", content_type: str = "") -> ParsedFeed:
    """Parse an RSS/Atom/RDF document with feedparser (RSS 2.0, RFC 4287).

    Raises NotAFeed when feedparser finds no feed version and no entries (an HTML page, say),
    FeedError when the XML is too broken to yield anything.
    """
    # No Content-Location: feedparser would resolve ids against it, and a feed's ids must not
    # change when its URL does (after a permanent redirect). Links are resolved here instead.
    headers = {"content-type": content_type} if content_type else {}
    # A stream, never a str (feedparser would open a URL or file path given as a string); its own HTML cleaning
    # and URL resolution are off: the caller does both once, with nh3 (much faster).
    result = feedparser.parse(
        io.BytesIO(content),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = result.get("version") or ""
    feed = result.get("feed") or {}
    if not version and not result.entries:
        if result.get("bozo"):
            raise FeedError(f"not a readable feed ({_bozo_message(result)})")
        raise NotAFeed("this is not a feed (no RSS, Atom or JSON Feed found)")
    if result.get("bozo") and not result.entries and not feed.get("title"):
        raise FeedError(
            f"the feed is broken and nothing could be read from it ({_bozo_message(result)})"
        )
    if (
        result.get("bozo")
        and not result.entries
        and isinstance(result.get("bozo_exception"), xml.sax.SAXParseException)
    ):
        raise FeedError(
            f"the feed is broken and no entries could be read ({_bozo_message(result)})"
        )
    entries = tuple(_xml_entry(e, url) for e in result.entries)
    hubs = tuple(
        link["href"]
        for link in feed.get("links") or []
        if link.get("rel") == "hub" and link.get("href")
    )
    link = feed.get("link") or ""
    return ParsedFeed(
        format=version or "unknown",
        title=_detail_text(feed, "title"),
        link=http_url(url, link),
        description=_detail_text(feed, "subtitle"),
        entries=entries,
        warning=_bozo_message(result) if result.get("bozo") else "",
        hubs=hubs,
    )


def _json_date(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _utc(feedparser.datetimes._parse_date(value.strip()))


def _json_author(item: dict) -> str:
    authors = item.get("authors")
    if isinstance(authors, list):
        names = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name")]
        return ", ".join(str(n) for n in names)
    author = item.get("author")
    if isinstance(author, dict):
        return str(author.get("name") or "")
    return ""


def _json_item(item: dict, feed_url: str, feed_author: str) -> FeedEntry | None:
    raw_id = item.get("id")
    if raw_id is None or isinstance(raw_id, (dict, list, bool)) or str(raw_id).strip() == "":
        return None  # JSON Feed 1.1 "Items": id is required; items without one are discarded.
    if isinstance(raw_id, float) and raw_id.is_integer():
        raw_id = int(raw_id)
    content_html = item.get("content_html") if isinstance(item.get("content_html"), str) else ""
    if not content_html and isinstance(item.get("content_text"), str):
        content_html = _as_html(item["content_text"], "text/plain")
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    link = item.get("url") if isinstance(item.get("url"), str) else ""
    attachments = item.get("attachments")
    enclosures = tuple(
        Enclosure(
            url=url,
            type=str(a.get("mime_type") or ""),
            length=_int_or_none(a.get("size_in_bytes")),
            duration=_int_or_none(a.get("duration_in_seconds")),
        )
        for a in (attachments if isinstance(attachments, list) else [])
        if isinstance(a, dict) and (url := http_url(feed_url, a.get("url")))
    )
    title = item.get("title") if isinstance(item.get("title"), str) else ""
    return FeedEntry(
        guid=str(raw_id).strip(),
        link=http_url(feed_url, link),
        title=plain_text(html.unescape(title), is_html=False),
        content_html=content_html,
        summary_html=_as_html(summary, "text/plain") if summary else "",
        author=_json_author(item) or feed_author,
        published=_json_date(item.get("date_published")),
        updated=_json_date(item.get("date_modified")),
        content_base=feed_url,
        enclosures=enclosures,
    )


def parse_json_feed(content: bytes, url: str = "") -> ParsedFeed:
    """Parse a JSON Feed 1.0/1.1 document (jsonfeed.org/version/1.1 "Top-level", "Items").

    Raises FeedError for invalid JSON, NotAFeed for JSON that is not a JSON Feed.
    """
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise NotAFeed("this JSON is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("JSON Feed without an items list")
    feed_author = _json_author(data)
    entries = tuple(
        e
        for e in (_json_item(i, url, feed_author) for i in items if isinstance(i, dict))
        if e is not None
    )
    hubs = tuple(
        h["url"]
        for h in data.get("hubs") or []
        if isinstance(h, dict) and isinstance(h.get("url"), str)
    )
    home = data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else ""
    return ParsedFeed(
        format=JSON_FEED_VERSIONS.get(data["version"].rstrip("/"), "json11"),
        title=plain_text(html.unescape(str(data.get("title") or "")), is_html=False),
        link=http_url(url, home),
        description=plain_text(str(data.get("description") or ""), is_html=False),
        entries=entries,
        hubs=hubs,
    )


def _looks_like_json(content: bytes, content_type: str) -> bool:
    if "json" in content_type:
        return True
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


_XML_STARTS = (b"<?xml", b"<rss", b"<feed", b"<rdf", b"<!--")


def _looks_like_html(content: bytes, content_type: str) -> bool:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    if head.startswith(_XML_STARTS):
        return False
    return "html" in content_type and "xhtml+xml" not in content_type


def parse_feed(content: bytes, url: str = "", content_type: str = "") -> ParsedFeed:
    """Parse any supported feed from bytes fetched from `url` (served with `content_type`).

    JSON Feed by content type or a leading "{"; HTML pages are read for an h-feed; everything
    else goes to feedparser. Raises NotAFeed/FeedError (both ValueError) with a clear message.
    """
    content_type = (content_type or "").lower()
    if not content.strip():
        raise FeedError("the response is empty")
    if _looks_like_json(content, content_type):
        return parse_json_feed(content, url)
    if _looks_like_html(content, content_type):
        from plnet.protocols.hfeed import parse_hfeed

        return parse_hfeed(content, url)
    return parse_xml_feed(content, url, content_type)
