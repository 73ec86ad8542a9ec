"""plnet.protocols.html.linkify: plain-text web addresses in HTML text become links; nothing else."""

from __future__ import annotations

import pytest

from plnet.protocols.html import linkify


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            "<p>Read https://ex.org/a?b=1&amp;c=2. Then www.example.org, please.</p>",
            '<p>Read <a href="https://ex.org/a?b=1&amp;c=2">https://ex.org/a?b=1&amp;c=2</a>.'
            ' Then <a href="http://www.example.org">www.example.org</a>, please.</p>',
        ),
        (
            "<p>In <em>my</em> post http://a.example/x and <br>next (https://b.example/y)</p>",
            '<p>In <em>my</em> post <a href="http://a.example/x">http://a.example/x</a> and'
            ' <br>next (<a href="https://b.example/y">https://b.example/y</a>)</p>',
        ),
        (
            "plain text http://x.example/ and text",
            'plain text <a href="http://x.example/">http://x.example/</a> and text',
        ),
    ],
)
def test_addresses_in_text_and_tails_become_links(html, expected):
    assert linkify(html) == expected


@pytest.mark.parametrize(
    "html",
    [
        '<p><a href="https://z.example/">see https://z.example/ here</a></p>',
        "<pre>curl http://no.example/</pre>",
        "<p><code>http://no.example/</code></p>",
        "<p>javascript:alert(1) data:text/html,x vbscript:msgbox(1)</p>",
        "<p>mailto:me@example.org and me@example.org and ftp://files.example/</p>",
        "<p>No address here.</p>",
    ],
)
def test_links_code_and_other_schemes_are_left_alone(html):
    assert linkify(html) == html


def test_a_quote_in_an_address_cannot_leave_the_attribute():
    out = linkify('<p>http://x.example/"onmouseover="alert(1)</p>')
    assert out.count("<a ") == 1 and " onmouseover=" not in out
