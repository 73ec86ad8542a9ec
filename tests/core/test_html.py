"""plnet.core.html: sanitising and Markdown."""

import lxml.html
import pytest

from plnet.core.html import clean_comment_html, clean_html, render_comment_markdown, render_markdown


def test_scripts_and_handlers_are_removed():
    dirty = '<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">l</a></p>'
    clean = clean_html(dirty)
    assert "script" not in clean and "onclick" not in clean and "javascript:" not in clean
    assert clean.startswith("<p>Hi")


def test_relative_urls_resolved_against_base():
    clean = clean_html('<a href="/x">x</a><img src="i.png">', base_url="https://blog.example/a/b")
    assert 'href="https://blog.example/x"' in clean
    assert 'src="https://blog.example/a/i.png"' in clean


def test_markdown_renders_and_sanitises():
    html = render_markdown("# Title\n\nSome *text* <script>bad()</script>")
    assert "<h1>Title</h1>" in html and "<em>text</em>" in html and "<script" not in html


def test_comment_markdown_shows_html_as_text():
    html = render_comment_markdown("<img src=x onerror=alert(1)> **bold**")
    assert "<img" not in html and "&lt;img" in html and "<strong>bold</strong>" in html


def test_comment_subset_drops_images():
    assert clean_comment_html('<img src="x.png"><em>e</em>') == "<em>e</em>"


def test_frames_only_from_known_embed_hosts_and_always_sandboxed():
    """Regression: any site could be framed from a post or a feed entry, unsandboxed."""
    youtube = clean_html('<iframe src="https://www.youtube.com/embed/x" width="560"></iframe>')
    assert 'src="https://www.youtube.com/embed/x"' in youtube
    assert 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in youtube
    for src in ["https://evil.example/", "http://www.youtube.com/embed/x", "http://127.0.0.1:9100/",
                "javascript:alert(1)"]:  # fmt: skip
        cleaned = clean_html(f'<iframe src="{src}"></iframe>')
        assert "src=" not in cleaned and "sandbox=" in cleaned, cleaned
    assert "srcdoc" not in clean_html('<iframe srcdoc="<script>alert(1)</script>"></iframe>')


def test_comment_html_links_plain_addresses_with_nofollow_ugc():
    html = clean_comment_html(
        "<p>My notes: https://notes.example/2020/learning and www.wikipedia.org</p>"
    )
    assert html == (
        '<p>My notes: <a href="https://notes.example/2020/learning" rel="nofollow ugc noopener'
        ' noreferrer">https://notes.example/2020/learning</a> and <a href="http://www.wikipedia.org"'
        ' rel="nofollow ugc noopener noreferrer">www.wikipedia.org</a></p>'
    )


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "[click](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a> http://ok.example/<script>alert(1)</script>",
        'http://x.example/"onmouseover="alert(1)',
        "`http://code.example/`",
    ],
)
def test_typed_comments_never_link_script_urls(text):
    html = render_comment_markdown(text)
    for anchor in lxml.html.fragment_fromstring(html, create_parent="div").iter("a"):
        assert anchor.get("href", "").startswith(("http://", "https://")), html
        assert anchor.get("rel") == "nofollow ugc noopener noreferrer"
        assert not any(name.startswith("on") for name in anchor.attrib)
    assert "<script" not in html


def test_typed_comment_address_is_linked_but_code_is_not():
    html = render_comment_markdown("See https://ex.example/page and `http://code.example/`")
    assert html == (
        '<p>See <a href="https://ex.example/page" rel="nofollow ugc noopener noreferrer">'
        "https://ex.example/page</a> and <code>http://code.example/</code></p>\n"
    )


def test_comment_markdown_image_becomes_a_link_not_nothing():
    """Regression: `![img](https://tracker.example.net/pixel.png)` was stored as `<p></p>`."""
    rel = 'rel="nofollow ugc noopener noreferrer"'
    assert render_comment_markdown("![img](https://tracker.example.net/pixel.png)") == (
        f'<p><a href="https://tracker.example.net/pixel.png" {rel}>img</a></p>\n'
    )
    assert render_comment_markdown("![](https://x.example/a.png)") == (
        f'<p><a href="https://x.example/a.png" {rel}>https://x.example/a.png</a></p>\n'
    )
    # an image inside a link keeps its alt text as the link's words (no nested links)
    assert render_comment_markdown("[![logo](https://x.example/a.png)](https://site.example/)") == (
        f'<p><a href="https://site.example/" {rel}>logo</a></p>\n'
    )
    assert "<img" not in render_comment_markdown('![a](https://x.example/a.png "t") text')
