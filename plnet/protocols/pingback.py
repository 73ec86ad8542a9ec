"""Pingback 1.0 (Langridge & Hickson, 2002, http://www.hixie.ch/specs/pingback/pingback) over
XML-RPC (http://xmlrpc.com/spec.md).

Implemented here, as plain Python on bytes and strings:
- §2 autodiscovery of a target's pingback server: the `X-Pingback` HTTP header first, then the
  first `<link rel="pingback" href="…">` of the HTML (`discover_server`);
- §3 the XML-RPC interface: reading a `methodCall` safely (defusedxml: no DTD, no entities, so no
  XXE and no entity expansion bombs) (`parse_call`), writing the answer or a `<fault>` with the
  spec's fault codes (`build_response`, `build_fault`), and the client side: the `pingback.ping`
  request and reading its answer (`build_ping_call`, `parse_ping_response`);
- the excerpt shown for a received pingback: the text around the link to the target
  (`title_of`, `excerpt_around_link`).
"""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.parsers.expat import ExpatError

import lxml.etree
import lxml.html
from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser

from .webmention import endpoint_from_html, is_html, is_http_url, normalize_url

# Fault codes, Pingback 1.0 §3 "Error codes".
GENERIC = 0  # a generic fault, for when no other code fits
SOURCE_NOT_FOUND = 0x10  # 16: the source URI does not exist
NO_LINK_TO_TARGET = 0x11  # 17: the source does not link to the target
TARGET_NOT_FOUND = 0x20  # 32: the target URI does not exist
TARGET_NOT_PINGABLE = 0x21  # 33: the target exists but cannot be pinged
ALREADY_REGISTERED = 0x30  # 48: this pingback is already registered
ACCESS_DENIED = 0x31  # 49
UPSTREAM_ERROR = 0x32  # 50: the server could not talk to an upstream server

FAULT_CODES = (
    GENERIC,
    SOURCE_NOT_FOUND,
    NO_LINK_TO_TARGET,
    TARGET_NOT_FOUND,
    TARGET_NOT_PINGABLE,
    ALREADY_REGISTERED,
    ACCESS_DENIED,
    UPSTREAM_ERROR,
)


class PingbackFault(Exception):
    """A pingback fault: `code` is one of FAULT_CODES (or what a peer sent), str() the message."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class MalformedCall(ValueError):
    """The request body is not a well-formed, safe XML-RPC methodCall (DTDs, entities refused)."""


@dataclass(frozen=True)
class MethodCall:
    """An XML-RPC call: the method name and its parameters as Python values."""

    name: str
    params: tuple


@dataclass(frozen=True)
class PingResult:
    """What a pingback server answered: ok with its message, or the fault code and string."""

    ok: bool
    message: str
    fault_code: int | None = None


def _unmarshal(body: bytes) -> tuple[tuple, str | None]:
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(
        unmarshaller, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        parser.close()
        values = unmarshaller.close()
    except xmlrpc.client.Fault:
        raise
    except (ExpatError, DefusedXmlException, ValueError, TypeError, IndexError) as exc:
        raise MalformedCall(f"not a well-formed XML-RPC document: {exc}") from None
    except xmlrpc.client.ResponseError as exc:
        raise MalformedCall(f"not an XML-RPC document: {exc}") from None
    return values, unmarshaller.getmethodname()


def parse_call(body: bytes) -> MethodCall:
    """Read an XML-RPC methodCall from bytes.

    Raises MalformedCall for anything that is not a well-formed call with a method name, and for
    any document with a DOCTYPE or entity declaration (refused, never expanded).
    """
    values, name = _unmarshal(body)
    if not name:
        raise MalformedCall("the XML-RPC document has no methodName")
    return MethodCall(name=name, params=tuple(values))


def build_response(value) -> bytes:
    """An XML-RPC methodResponse carrying value, as UTF-8 bytes."""
    return xmlrpc.client.dumps((value,), methodresponse=True, encoding="utf-8").encode()


def build_fault(code: int, message: str) -> bytes:
    """An XML-RPC methodResponse carrying a <fault> with faultCode and faultString."""
    return xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), encoding="utf-8").encode()


def build_ping_call(source: str, target: str) -> bytes:
    """The body of a pingback.ping(sourceURI, targetURI) request (§3), as UTF-8 bytes."""
    return xmlrpc.client.dumps((source, target), "pingback.ping", encoding="utf-8").encode()


def parse_ping_response(body: bytes) -> PingResult:
    """Read a server's answer to pingback.ping.

    A string (or any value) is success; a <fault> gives ok=False with its code and string.
    Raises MalformedCall when the body is not an XML-RPC response.
    """
    try:
        values, _ = _unmarshal(body)
    except xmlrpc.client.Fault as fault:
        return PingResult(False, str(fault.faultString), int(fault.faultCode))
    if not values:
        raise MalformedCall("the XML-RPC response carries no value")
    return PingResult(True, str(values[0]))


def discover_server(
    page_url: str, headers, body: str | bytes, content_type: str = ""
) -> str | None:
    """A target's pingback server URL (§2): the X-Pingback header, else the first
    `<link rel="pingback" href>` of the HTML, resolved against page_url. None when neither.

    `headers` are (name, value) pairs.
    """
    for name, value in headers:
        if name.lower() == "x-pingback" and value.strip():
            found = urljoin(page_url, value.strip())
            return found if is_http_url(found) else None
    if content_type and not is_html(content_type):
        return None
    found = endpoint_from_html(page_url, body, "pingback")
    return found if found and is_http_url(found) else None


def _parse(html: str | bytes):
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def title_of(html: str | bytes) -> str:
    """The page's <title> text with whitespace collapsed, or "" when it has none."""
    root = _parse(html)
    if root is None:
        return ""
    for title in root.iter("title"):
        return " ".join((title.text_content() or "").split())
    return ""


def _find_link(root, source_url: str, target: str):
    wanted = normalize_url(target)
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and is_http_url(urljoin(source_url, href)):
            if normalize_url(urljoin(source_url, href)) == wanted:
                return anchor
    return None


def excerpt_around_link(
    html: str | bytes, source_url: str, target: str, max_length: int = 200, ellipsis: str = "…"
) -> str | None:
    """Text of the element holding the first link to target, cut to max_length around the link.

    The window is centred on the start of the link text (max_length // 2 characters each side);
    when it starts at the beginning it extends to the right instead; `ellipsis` marks each cut.
    Returns None when the document has no `<a>` linking to target.
    """
    root = _parse(html)
    if root is None:
        return None
    anchor = _find_link(root, source_url, target)
    if anchor is None:
        return None
    holder = anchor.getparent() if anchor.getparent() is not None else anchor
    text = " ".join(holder.text_content().split())
    link_text = " ".join(anchor.text_content().split())
    if len(text) <= max_length:
        return text
    index = max(text.find(link_text), 0) if link_text else 0
    half = max_length // 2
    start, end = index - half, index + half
    if start <= 0:
        end -= start
        extract = text[:end]
    else:
        extract = ellipsis + text[start:end]
    if end < len(text):
        extract += ellipsis
    return extract
