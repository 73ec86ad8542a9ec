"""Microformats2 (https://microformats.org/wiki/microformats2-parsing) for a Webmention source:
which h-entry responds to a target, how (Post Type Discovery for responses,
https://www.w3.org/TR/post-type-discovery/ §4: reply, like, repost, bookmark, else mention), its
author's h-card (with the authorship fallbacks of https://indieweb.org/authorship-spec: the
h-entry's p-author, then the page's h-card) and its content.

Parsing is done by mf2py, always on a document given here: mf2py is never allowed to fetch.
Content HTML is returned as found (relative URLs resolved by mf2py); the caller sanitises it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mf2py

from .webmention import normalize_url

# Response properties in Post Type Discovery order: the first that names the target wins.
RESPONSE_PROPERTIES = (
    ("in-reply-to", "reply"),
    ("repost-of", "repost"),
    ("like-of", "like"),
    ("bookmark-of", "bookmark"),
)


@dataclass(frozen=True)
class Author:
    """An h-card reduced to what a response shows: name, photo URL and home URL (each may be "")."""

    name: str = ""
    photo: str = ""
    url: str = ""


@dataclass(frozen=True)
class SourceEntry:
    """The response found in a source page.

    `kind` is reply, like, repost, bookmark or mention; `responds_to` the exact URL the response
    property gave (it may carry a #fragment naming a comment); `content_html` unsanitised HTML
    ("" when none); `published` the dt-published string as written ("" when none).
    """

    kind: str
    author: Author
    name: str = ""
    content_html: str = ""
    url: str = ""
    published: str = ""
    responds_to: str = ""


def _urls(values) -> list[str]:
    urls = []
    for value in values or []:
        if isinstance(value, dict):
            props = value.get("properties", {})
            candidates = props.get("url") or [value.get("value", "")]
            urls.extend(c if isinstance(c, str) else c.get("value", "") for c in candidates)
        elif isinstance(value, str):
            urls.append(value)
    return [u for u in urls if u]


def _text(value) -> str:
    if isinstance(value, dict):
        return str(value.get("value") or value.get("html") or "")
    return str(value or "")


def _first(props: dict, name: str) -> str:
    values = props.get(name) or []
    return _text(values[0]).strip() if values else ""


def _entries(items: list[dict]) -> list[dict]:
    """Every h-entry in document order, looking inside h-feeds and children."""
    found = []
    for item in items:
        if "h-entry" in item.get("type", []):
            found.append(item)
        found.extend(_entries(item.get("children", [])))
    return found


def _card(value) -> Author:
    if isinstance(value, dict) and "h-card" in value.get("type", []):
        props = value.get("properties", {})
        return Author(_first(props, "name"), _first(props, "photo"), _first(props, "url"))
    if isinstance(value, dict):
        value = value.get("value", "")
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return Author(url=value)
    return Author(name=_text(value).strip())


def _author(entry: dict | None, parsed: dict) -> Author:
    if entry is not None:
        authors = entry.get("properties", {}).get("author") or []
        if authors:
            author = _card(authors[0])
            if author.name or author.photo:
                return author
            url = author.url
        else:
            url = ""
    else:
        url = ""
    for item in parsed.get("items", []):
        if "h-card" in item.get("type", []):
            card = _card(item)
            if not url or normalize_url(card.url or url) == normalize_url(url):
                return card
    return Author(url=url)


def _content(props: dict) -> str:
    values = props.get("content") or []
    if values:
        value = values[0]
        if isinstance(value, dict):
            return str(value.get("html") or value.get("value") or "")
        return str(value)
    return _first(props, "summary")


def _kind_for(entry: dict, wanted: str) -> tuple[str, str] | None:
    props = entry.get("properties", {})
    for prop, kind in RESPONSE_PROPERTIES:
        for url in _urls(props.get(prop)):
            if normalize_url(url) == wanted:
                return kind, url
    return None


def _mentions(entry: dict, target: str) -> bool:
    return target in str(entry)


def parse_source(html: str | bytes, source_url: str, target: str) -> SourceEntry:
    """Find how the page at source_url responds to target (Post Type Discovery §4).

    The h-entry whose in-reply-to / repost-of / like-of / bookmark-of names the target decides
    the kind; else the first h-entry mentioning the target, else the page's first h-entry, is a
    mention. A page without h-entry is a mention with only the authorship fallback.
    Never raises on bad markup (mf2py recovers); never fetches.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    parsed = mf2py.parse(doc=html or "<html></html>", url=source_url)
    entries = _entries(parsed.get("items", []))
    wanted = normalize_url(target)
    chosen, kind, responds_to = None, "mention", ""
    for entry in entries:
        found = _kind_for(entry, wanted)
        if found:
            chosen, (kind, responds_to) = entry, found
            break
    if chosen is None:
        chosen = next((e for e in entries if _mentions(e, target)), entries[0] if entries else None)
    props = chosen.get("properties", {}) if chosen else {}
    name = _first(props, "name")
    content = _content(props)
    content_text = _text((props.get("content") or [""])[0])
    if name and " ".join(name.split()) == " ".join(content_text.split())[: len(name)]:
        name = ""  # a note: mf2 implies the name from the content
    return SourceEntry(
        kind=kind,
        author=_author(chosen, parsed),
        name=name,
        content_html=content,
        url=_first(props, "url") or source_url,
        published=_first(props, "published"),
        responds_to=responds_to,
    )
