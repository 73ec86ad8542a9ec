"""Template filters of the reader: URLs from feeds made safe to put in an href."""

from __future__ import annotations

from django import template

from plnet.protocols.feeds import http_url as _http_url

register = template.Library()


@register.filter
def http_url(value) -> str:
    """value when it is an absolute http(s) URL, else "" (a second guard: feed URLs are already
    filtered when entries are stored, but a `javascript:` href must never reach a page)."""
    value = str(value or "")
    return value if _http_url("", value) == value.strip() and value.strip() else ""
