"""OPML subscription lists: reading (OPML 1.0/2.0, and RDF/FOAF blogrolls, via listparser) and
writing OPML 2.0 (http://opml.org/spec2.opml, "Subscription lists": outline type="rss" with
text, title, xmlUrl, htmlUrl; folders as nested outlines with only a text attribute).

The reader is lenient (listparser uses lxml's recovering parser), so real-world files with raw
"&" or a processing instruction before the XML declaration still give what can be read. Outlines
of type "include"/"link" (other lists) are reported, never fetched. No network here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

import listparser


class OpmlError(ValueError):
    """The document holds no subscription list plnet can read; str() says why."""


@dataclass(frozen=True)
class Outline:
    """One subscription: feed `url`, `title`, site `html_url`, and `folder` ("" for none;
    nested folders joined with " / ")."""

    url: str
    title: str = ""
    html_url: str = ""
    folder: str = ""


@dataclass(frozen=True)
class SubscriptionList:
    """A parsed list: title, its outlines in document order, and the other lists it refers to."""

    title: str
    outlines: tuple[Outline, ...]
    linked_lists: tuple[str, ...] = ()
    warning: str = ""

    @property
    def folders(self) -> list[str]:
        """The distinct non-empty folder names, in order of first appearance."""
        return list(dict.fromkeys(o.folder for o in self.outlines if o.folder))


def parse_opml(content: bytes) -> SubscriptionList:
    """Parse an OPML (or FOAF/RDF blogroll) document from bytes.

    Folder: the first category path of each feed, joined with " / " — the nesting of outlines,
    else the OPML 2.0 `category` attribute (spec "Subscription lists", "category").
    Raises OpmlError when the bytes are empty or nothing list-like can be read from them.
    """
    if not isinstance(content, bytes):
        raise TypeError("parse_opml takes bytes")  # listparser would fetch a str that is a URL
    if not content.strip():
        raise OpmlError("the file is empty")
    result = listparser.parse(content)
    if not result.get("version") and not result.feeds and not result.lists:
        raise OpmlError("this is not an OPML subscription list (no outlines with a feed URL)")
    # A recovering parse of broken markup can nest outlines under a feed's outline; a feed is
    # never a folder, so its title is dropped from folder paths.
    feed_titles = {(feed.get("title") or "").strip() for feed in result.feeds}
    outlines = []
    for feed in result.feeds:
        categories = feed.get("categories") or []
        path = [c for c in (categories[0] if categories else []) if c.strip() not in feed_titles]
        folder = " / ".join(path)
        outlines.append(
            Outline(
                url=feed["url"].strip(),
                title=(feed.get("title") or "").strip(),
                html_url=_http_only(feed.get("htmlUrl") or feed.get("html_url") or ""),
                folder=folder.strip(),
            )
        )
    exc = result.get("bozo_exception")
    return SubscriptionList(
        title=(result.meta.get("title") or "").strip(),
        outlines=tuple(outlines),
        linked_lists=tuple(item["url"] for item in result.lists if item.get("url")),
        warning=str(exc) if result.get("bozo") and exc else "",
    )


def write_opml(
    outlines: Iterable[Outline], *, title: str, owner_name: str = "", now: datetime | None = None
) -> bytes:
    """Write an OPML 2.0 subscription list (UTF-8 bytes, with XML declaration).

    Outlines with a folder go inside one <outline text=folder> each (one level, as Feedly,
    FreshRSS and Miniflux expect); the rest sit at the top of <body>, after the folders.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    if owner_name:
        ET.SubElement(head, "ownerName").text = owner_name
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    loose: list[Outline] = []
    for outline in outlines:
        if not outline.folder:
            loose.append(outline)
            continue
        if outline.folder not in folders:
            folders[outline.folder] = ET.SubElement(
                body, "outline", text=outline.folder, title=outline.folder
            )
        _add(folders[outline.folder], outline)
    for outline in loose:
        _add(body, outline)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _add(parent: ET.Element, outline: Outline) -> None:
    text = outline.title or outline.url
    attrs = {"type": "rss", "text": text, "title": text, "xmlUrl": outline.url}
    if outline.html_url:
        attrs["htmlUrl"] = outline.html_url
    ET.SubElement(parent, "outline", attrs)


def _http_only(url: str) -> str:
    """url stripped when it is an absolute http(s) URL, else "" (an outline's htmlUrl ends up in
    a link: javascript: and the like must not)."""
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) else ""
