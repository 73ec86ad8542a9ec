"""Small HTML helpers on untrusted markup, with no Django: resolving relative URLs (`absolutize`)
and turning plain-text web addresses into links (`linkify`).

Uses lxml's HTML parser, which recovers from broken markup as browsers do, and linkify-it-py
(the link recogniser of markdown-it) to find addresses in text.
"""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.etree
import lxml.html
from linkify_it import LinkifyIt

URL_ATTRIBUTES = {"href", "src", "poster", "cite", "action"}


def absolutize(html: str, base_url: str) -> str:
    """Return html with every href/src/poster/cite URL resolved against base_url (RFC 3986 §5).

    An empty or whitespace-only fragment is returned unchanged.
    """
    if not html.strip():
        return html
    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return html
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        for attr in URL_ATTRIBUTES & set(element.attrib):
            value = element.attrib[attr].strip()
            if value and not value.startswith(("#", "data:")):
                element.attrib[attr] = urljoin(base_url, value)
    return lxml.html.tostring(fragment, encoding="unicode")[len("<div>") : -len("</div>")]


# Text inside these is never turned into links: it is a link already, or code shown as typed.
NO_LINKS_INSIDE = {"a", "code", "pre", "script", "style", "textarea"}
LINKED_SCHEMES = {"http:", "https:", ""}  # "" is a bare www.example.org (linked as http://)


def linkify(html: str) -> str:
    """Return html with the http(s) addresses in its text wrapped in <a href="…"> (what
    WordPress's make_clickable does to comments). Text inside a, code and pre is left alone; only
    http, https and bare www. addresses are linked (never javascript:, data:, mailto: …).

    Takes and returns an HTML fragment; the caller sanitises the result (rel, allowed schemes).
    """
    if "." not in html:  # no address without a dot: skip parsing
        return html
    try:
        fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return html
    for element in list(fragment.iter()):
        if not isinstance(element.tag, str) or _inside_no_links(element):
            continue
        _link_text(element)
        for child in list(element):
            _link_tail(child)
    return lxml.html.tostring(fragment, encoding="unicode")[len("<div>") : -len("</div>")]


def _inside_no_links(element) -> bool:
    return element.tag in NO_LINKS_INSIDE or any(
        e.tag in NO_LINKS_INSIDE for e in element.iterancestors()
    )


def _matches(text: str | None):
    if not text or "." not in text:
        return []
    return [m for m in _linkifier().match(text) or [] if m.schema.lower() in LINKED_SCHEMES]


def _anchors(text: str, matches) -> tuple[str, list]:
    """(text before the first link, [<a> elements each with the text after it as tail])."""
    anchors, position = [], matches[0].index
    for match, following in zip(matches, matches[1:] + [None], strict=True):
        anchor = lxml.html.Element("a", href=match.url)
        anchor.text = match.raw
        anchor.tail = text[match.last_index : following.index if following else None]
        anchors.append(anchor)
    return text[:position], anchors


def _link_text(element) -> None:
    matches = _matches(element.text)
    if matches:
        element.text, anchors = _anchors(element.text, matches)
        for offset, anchor in enumerate(anchors):
            element.insert(offset, anchor)


def _link_tail(element) -> None:
    parent = element.getparent()
    matches = _matches(element.tail)
    if matches:
        element.tail, anchors = _anchors(element.tail, matches)
        for offset, anchor in enumerate(anchors, start=parent.index(element) + 1):
            parent.insert(offset, anchor)


_linkify_it: list[LinkifyIt] = []


def _linkifier() -> LinkifyIt:
    if not _linkify_it:
        _linkify_it.append(LinkifyIt(options={"fuzzy_email": False}))
    return _linkify_it[0]
