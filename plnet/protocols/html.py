"""Small HTML helpers on untrusted markup, with no Django: resolving relative URLs.

Uses lxml's HTML parser, which recovers from broken markup as browsers do.
"""

from __future__ import annotations

from urllib.parse import urljoin

import lxml.etree
import lxml.html

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
