"""plnet.protocols.html: resolving relative URLs in HTML, srcset candidates included."""

from __future__ import annotations

import pytest

from plnet.protocols.html import absolutize, resolve_srcset

BASE = "https://blog.example.org/2024/07/01/pic/"


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.png", f"{BASE}a.png"),
        (
            "/m/a.png 1x, b.png 2x",
            "https://blog.example.org/m/a.png 1x, https://blog.example.org/2024/07/01/pic/b.png 2x",
        ),
        # a comma inside a URL stays; one ending the URL ends the candidate (HTML §4.8.4.3.10)
        (
            "/a,b.png 640w,/c.png",
            "https://blog.example.org/a,b.png 640w, https://blog.example.org/c.png",
        ),
        (
            "x.png,, https://cdn.example.net/y.png 2x",
            f"{BASE}x.png, https://cdn.example.net/y.png 2x",
        ),
        ("data:image/png;base64,AAAA 1x", "data:image/png;base64,AAAA 1x"),
        ("  ", ""),
    ],
)
def test_resolve_srcset(srcset, expected):
    assert resolve_srcset(srcset, BASE) == expected


def test_fragment_links_resolve_only_when_asked():
    html = '<p><a href="#n1">1</a> <img src="/m/r.png" srcset="r2.png 2x" alt=""></p>'
    kept = '<p><a href="#n1">1</a> <img src="https://blog.example.org/m/r.png" '
    kept += f'srcset="{BASE}r2.png 2x" alt=""></p>'
    assert absolutize(html, BASE) == kept
    assert absolutize(html, BASE, fragments=True) == kept.replace('"#n1"', f'"{BASE}#n1"')
