"""The automatic paragraphs WordPress content gets on display (plnet.protocols.wpautop)."""

from __future__ import annotations

import pytest

from plnet.protocols.wpautop import autop


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("One\n\nTwo\nlines", "<p>One</p>\n<p>Two<br />\nlines</p>"),
        ("", ""),
        ("  \n\n ", ""),
        ("a\r\n\r\nb", "<p>a</p>\n<p>b</p>"),
        ("text <div>x</div> more", "<p>text</p>\n<div>x</div>\n<p>more</p>"),
        ("<pre>a\n\nb</pre>\n\nafter", "<pre>a\n\nb</pre>\n<p>after</p>"),
        (
            "<!-- wp:paragraph -->\n<p>Block</p>\n<!-- /wp:paragraph -->",
            "<!-- wp:paragraph -->\n<p>Block</p>\n<!-- /wp:paragraph -->",
        ),
        ("<ul><li>a</li><li>b</li></ul>", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        (
            '[caption id="c" width="300"]<img src="a.jpg" /> Words[/caption]',
            '<p>[caption id="c" width="300"]<img src="a.jpg" /> Words[/caption]</p>',
        ),
        ("<a\nhref='x'>l</a>\nnext", "<p><a\nhref='x'>l</a><br />\nnext</p>"),
    ],
)
def test_autop(text, html):
    assert autop(text) == html


def test_unclosed_comment_and_pre_lose_no_text():
    assert autop("a <!-- not closed\n\nb") == "<p>a <!-- not closed</p>\n<p>b</p>"
    html = autop("<pre>open\n\nnever closed")
    assert html.startswith("<pre>open") and "never closed" in html
