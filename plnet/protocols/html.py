"""Small HTML helpers on untrusted markup, with no Django: resolving relative URLs.

Uses lxml's HTML parser, which recovers from broken markup as browsers do. URLs are resolved as
RFC 3986 §5 says; `srcset` is read as the HTML Living Standard's "parse a srcset attribute"
(§4.8.4.3.10) reads it: image candidates separated by commas, each a URL and its descriptors.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.etree
import lxml.html

URL_ATTRIBUTES = {"href", "src", "poster", "cite", "action"}


_SEPARATORS = re.compile(r"[\s,]*")
_URL = re.compile(r"\S+")


def resolve_srcset(value: str, base_url: str) -> str:
    """Return a srcset value with each candidate's URL resolved against base_url and its
    descriptors ("2x", "640w") kept: "a.png 1x, /b.png 2x" → "https://h/a.png 1x, https://h/b.png 2x".
    A URL ending in commas ends its candidate, as in the HTML standard (§4.8.4.3.10)."""
    candidates, pos, end = [], 0, len(value)
    while True:
        pos = _SEPARATORS.match(value, pos).end()
        if pos >= end:
            break
        url = _URL.match(value, pos).group()
        pos += len(url)
        descriptors = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", pos)
            comma = end if comma == -1 else comma
            descriptors, pos = value[pos:comma].strip(), comma + 1
        resolved = url if url.startswith("data:") else urljoin(base_url, url)
        candidates.append(f"{resolved} {descriptors}" if descriptors else resolved)
    return ", ".join(candidates)


def absolutize(html: str, base_url: str, *, fragments: bool = False) -> str:
    """Return html with every href/src/poster/cite/action URL, and each URL of a srcset,
    resolved against base_url (RFC 3986 §5). data: URLs are left alone; so are fragment-only
    links ("#note-1") unless fragments is true — true when the HTML is read away from its page,
    as in a feed, where "#note-1" must point into base_url.

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
            if value.startswith("#") and not fragments:
                continue
            if value and not value.startswith("data:"):
                element.attrib[attr] = urljoin(base_url, value)
        if "srcset" in element.attrib:
            element.attrib["srcset"] = resolve_srcset(element.attrib["srcset"], base_url)
    return lxml.html.tostring(fragment, encoding="unicode")[len("<div>") : -len("</div>")]
