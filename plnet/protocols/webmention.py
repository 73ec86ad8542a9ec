"""Webmention (W3C Recommendation, 12 January 2017, https://www.w3.org/TR/webmention/).

Implemented here, as plain Python on strings (the caller fetches, this module reads):
- §3.1.2 sender discovery of a target's endpoint: the HTTP `Link` header first (RFC 8288 syntax,
  several headers and several values per header, rel tokens compared case-insensitively), then
  the first `<link>` or `<a>` element with rel "webmention" and an href, in document order;
  relative URLs resolved against the page's final URL; an empty href is the page itself; the query
  string is kept (`discover_endpoint`, `parse_link_header`);
- §3.2.1 the receiver's synchronous request checks (`check_request`);
- §3.2.2 the receiver's verification that the source links to the target, and the "deleted"
  signals a source can give (HTTP 410, or `<meta http-equiv="Status" content="410 Gone">`)
  (`source_links_to`, `is_gone_page`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

# Elements whose URL attributes count as "a link to the target" in a source document (§3.2.2
# speaks of links in HTML; images, media and quotations referring to the target count too).
_LINK_ATTRIBUTES = {
    "a": ("href",),
    "link": ("href",),
    "area": ("href",),
    "img": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src",),
    "iframe": ("src",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "ins": ("cite",),
    "del": ("cite",),
}


class WebmentionError(ValueError):
    """A request a receiver must refuse (§3.2.1): `error` is a short code, str() a sentence."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class LinkValue:
    """One link-value of an HTTP Link header (RFC 8288 §3): the URI reference and its rel tokens."""

    url: str
    rels: tuple[str, ...]


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    """Split text at sep where sep is neither inside <…> nor inside a quoted string."""
    parts, current, in_quote, in_angle, escaped = [], [], False, False, False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
            continue
        if char == "\\" and in_quote:
            escaped = True
        elif char == '"' and not in_angle:
            in_quote = not in_quote
        elif char == "<" and not in_quote:
            in_angle = True
        elif char == ">" and not in_quote:
            in_angle = False
        elif char == sep and not in_quote and not in_angle:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_link_header(value: str) -> list[LinkValue]:
    """Parse one Link header value into its link-values, in order (RFC 8288 §3).

    `rel` tokens are lower-cased and split on whitespace (quoted or not). Malformed link-values
    (no `<…>`) are skipped; nothing raises.
    """
    links = []
    for item in _split_outside_quotes(value, ","):
        item = item.strip()
        match = re.match(r"<([^>]*)>(.*)$", item, re.DOTALL)
        if not match:
            continue
        rels: tuple[str, ...] = ()
        for param in _split_outside_quotes(match.group(2), ";"):
            name, _, raw = param.partition("=")
            if name.strip().lower() == "rel" and not rels:
                raw = raw.strip()
                if len(raw) >= 2 and raw[0] == raw[-1] == '"':
                    raw = raw[1:-1]
                rels = tuple(token.lower() for token in raw.split())
        links.append(LinkValue(match.group(1).strip(), rels))
    return links


def _parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _rel_tokens(element) -> list[str]:
    return [token.lower() for token in (element.get("rel") or "").split()]


def endpoint_from_headers(
    page_url: str, headers: Iterable[tuple[str, str]], rel: str
) -> str | None:
    """The first URL with `rel` among the Link headers (name matched case-insensitively).

    `headers` are (name, value) pairs in the order received, repeated names included.
    The URL is resolved against page_url. Returns None when no Link header has that rel.
    """
    for name, value in headers:
        if name.lower() != "link":
            continue
        for link in parse_link_header(value):
            if rel in link.rels:
                return urljoin(page_url, link.url)
    return None


def endpoint_from_html(page_url: str, html: str | bytes, rel: str) -> str | None:
    """The href of the first `<link>` or `<a>` whose rel includes `rel` and which has an href.

    Elements inside comments or escaped text are not elements and are never seen. An empty
    href resolves to page_url itself. A `<base href>` in the document is honoured.
    """
    root = _parse_html(html)
    if root is None:
        return None
    base = page_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(page_url, element.get("href").strip())
            break
    for element in root.iter("link", "a"):
        if rel in _rel_tokens(element) and element.get("href") is not None:
            return urljoin(base, element.get("href").strip())
    return None


def is_html(content_type: str) -> bool:
    """True for text/html and application/xhtml+xml (parameters ignored)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in {"text/html", "application/xhtml+xml"}


def discover_endpoint(
    page_url: str, headers: Iterable[tuple[str, str]], body: str | bytes, content_type: str = ""
) -> str | None:
    """Find a target's Webmention endpoint (§3.1.2), or None when it advertises none.

    `page_url` is the final URL after redirects; `headers` the response's (name, value) pairs;
    `body` the response body (only read when content_type is HTML or not given).
    """
    found = endpoint_from_headers(page_url, headers, "webmention")
    if found is None and (not content_type or is_html(content_type)):
        found = endpoint_from_html(page_url, body, "webmention")
    return found


def normalize_url(url: str) -> str:
    """url with scheme and host lower-cased and an empty path written as "/", fragment dropped.

    Used to compare a target with the links of a source (§3.2.2 compares URLs, not strings).
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def is_http_url(url: str) -> bool:
    """True when url is an absolute http or https URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def check_request(source: str | None, target: str | None) -> tuple[str, str]:
    """Check a received Webmention's parameters (§3.2.1) and return (source, target) stripped.

    Raises WebmentionError with error codes missing_source, missing_target, invalid_source,
    invalid_target (not an http(s) URL) or invalid_request (source and target are the same URL).
    Whether the target is a resource of this site is the caller's check.
    """
    source, target = (source or "").strip(), (target or "").strip()
    if not source:
        raise WebmentionError("missing_source", "The source parameter is missing.")
    if not target:
        raise WebmentionError("missing_target", "The target parameter is missing.")
    if not is_http_url(source):
        raise WebmentionError("invalid_source", "The source must be an http or https URL.")
    if not is_http_url(target):
        raise WebmentionError("invalid_target", "The target must be an http or https URL.")
    if normalize_url(source) == normalize_url(target):
        raise WebmentionError("invalid_request", "The source and target must be different URLs.")
    return source, target


def source_links_to(body: str | bytes, content_type: str, source_url: str, target: str) -> bool:
    """True when the source document links to target (§3.2.2).

    HTML: an a/link/area href, img/video/audio/source/iframe src or a cite attribute equal to
    target once resolved against the source URL and normalised. Other text types: target
    appears verbatim in the body. Other media types: False.
    """
    wanted = normalize_url(target)
    if is_html(content_type) or not content_type:
        root = _parse_html(body)
        if root is None:
            return False
        for element in root.iter(*_LINK_ATTRIBUTES):
            for attr in _LINK_ATTRIBUTES[element.tag]:
                value = element.get(attr)
                if value and is_http_url(urljoin(source_url, value.strip())):
                    if normalize_url(urljoin(source_url, value.strip())) == wanted:
                        return True
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    if media.startswith("text/") or media in {"application/json", "application/xml"}:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return target in text
    return False


def is_gone_page(body: str | bytes, content_type: str) -> bool:
    """True when an HTML page says it is gone with `<meta http-equiv="Status" content="410 …">`.

    (webmention.rocks delete test 1 accepts this in place of an HTTP 410 status.)
    """
    if not (is_html(content_type) or not content_type):
        return False
    root = _parse_html(body)
    if root is None:
        return False
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "status":
            return (meta.get("content") or "").strip().startswith("410")
    return False


def links_in(html: str, base_url: str) -> list[str]:
    """The distinct absolute http(s) URLs of the `<a href>`s in html, in document order (§3.1.1:
    the sender notifies each URL the post links to). Fragments are dropped; relative hrefs are
    resolved against base_url.
    """
    root = _parse_html(html)
    if root is None:
        return []
    found: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if is_http_url(url):
            found.setdefault(url, None)
    return list(found)
