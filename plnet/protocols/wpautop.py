"""WordPress's automatic paragraphs (`wpautop`), for content imported from WordPress.

Spec: WordPress stores post and comment content with blank lines between paragraphs and adds
the markup only on display, in `wpautop()` (wp-includes/formatting.php). This is a careful,
simpler version of it: the same result on ordinary content, without WordPress's special cases
for `<object>` embeds, `<option>`s and shortcode unwrapping. Pure Python, no Django.
"""

from __future__ import annotations

import re

_BLOCK = (
    "address|article|aside|blockquote|caption|col|colgroup|dd|details|div|dl|dt|fieldset|figcaption"
    "|figure|footer|form|h[1-6]|header|hgroup|hr|li|map|area|menu|nav|ol|p|pre|section|style|summary"
    "|table|tbody|td|tfoot|th|thead|tr|ul|math|audio|video|iframe|object|script|noscript"
)
_BLOCK_OPEN = re.compile(rf"(<(?:{_BLOCK})\b[^>]*>)", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</(?:{_BLOCK})\s*>)", re.IGNORECASE)
_ANY_BLOCK = rf"</?(?:{_BLOCK})\b[^>]*>"
_P_BEFORE_BLOCK = re.compile(rf"<p>\s*({_ANY_BLOCK})", re.IGNORECASE)
_P_AFTER_BLOCK = re.compile(rf"({_ANY_BLOCK})\s*</p>", re.IGNORECASE)
_BR_AFTER_BLOCK = re.compile(rf"({_ANY_BLOCK})\s*<br />", re.IGNORECASE)
_BR_BEFORE_BLOCK = re.compile(rf"<br />(\s*{_ANY_BLOCK})", re.IGNORECASE)
_KEEP_AS_IS = re.compile(r"<(pre|script|style|textarea)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PLACEHOLDER = re.compile(r"^\x00\d+\x00$")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def autop(text: str) -> str:
    """Add the paragraphs WordPress adds on display (a careful, simple `wpautop`).

    WordPress stores post and comment content with blank lines between paragraphs and single
    newlines for line breaks, and adds `<p>` and `<br />` only when showing it
    (wp-includes/formatting.php, `wpautop`). This does the same: text runs separated by a blank
    line become paragraphs, single newlines inside them become `<br />`, block-level HTML and
    HTML comments (Gutenberg's `<!-- wp:… -->` block delimiters) are left as they are, and
    `<pre>`, `<script>`, `<style>`, `<textarea>` contents are not touched. Shortcodes such as
    `[caption]` are ordinary text here and stay readable. Returns HTML that still needs sanitising.
    """
    if not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []

    def _keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\n\n\x00{len(kept) - 1}\x00\n\n"

    text = _KEEP_AS_IS.sub(_keep, text)
    text = _HTML_COMMENT.sub(_keep, text)
    text = _BLOCK_OPEN.sub(r"\n\n\1", text)
    text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
    chunks = [c.strip() for c in _PARAGRAPH_BREAK.split(text)]
    html = "\n".join(_paragraph(c) for c in chunks if c)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], html)


def _paragraph(chunk: str) -> str:
    if _PLACEHOLDER.match(chunk):
        return chunk
    parts = _TAG_OR_TEXT.split(chunk)
    chunk = "".join(p if p.startswith("<") else p.replace("\n", "<br />\n") for p in parts)
    html = _P_AFTER_BLOCK.sub(r"\1", _P_BEFORE_BLOCK.sub(r"\1", f"<p>{chunk}</p>"))
    return _BR_BEFORE_BLOCK.sub(r"\1", _BR_AFTER_BLOCK.sub(r"\1", html))
