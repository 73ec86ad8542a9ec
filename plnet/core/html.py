"""HTML sanitising (nh3) and Markdown rendering (markdown-it-py), shared by every app.

Untrusted HTML (imported posts, comments, feed entries, Webmention sources) is cleaned on the way
in with `clean_html`; templates still escape everything else on the way out.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from plnet.protocols.html import linkify

# Tags a blog post or feed entry may carry: nh3's defaults plus media and figures.
POST_TAGS = set(nh3.ALLOWED_TAGS) | {
    "figure", "figcaption", "audio", "video", "source", "track", "picture", "iframe",
    "details", "summary", "mark", "time",
}  # fmt: skip
POST_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading"},
    "audio": {"src", "controls", "preload"},
    "video": {"src", "controls", "poster", "width", "height", "preload"},
    "source": {"src", "type", "srcset", "media"},
    "track": {"src", "kind", "label", "srclang"},
    "iframe": {"src", "width", "height", "title", "allowfullscreen"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed", "type"},
}
# Comments get a small subset: no images, media or frames.
COMMENT_TAGS = {
    "a", "p", "br", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "del",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# Frames are kept only for these video/audio/code embed providers (https only) and are always
# sandboxed; any other frame loses its src and shows nothing (WordPress strips iframes for
# authors without unfiltered_html; Miniflux keeps a similar list).
EMBED_HOSTS = {
    "www.youtube.com", "youtube.com", "www.youtube-nocookie.com", "player.vimeo.com",
    "w.soundcloud.com", "open.spotify.com", "embed.ted.com", "archive.org", "codepen.io",
    "www.slideshare.net", "docs.google.com", "www.google.com", "player.twitch.tv",
}  # fmt: skip
FRAME_ATTRIBUTES = {
    "sandbox": "allow-scripts allow-same-origin allow-popups allow-presentation",
    "referrerpolicy": "strict-origin-when-cross-origin",
    "loading": "lazy",
}


def _embed_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value.strip())
        return value if parts.scheme == "https" and parts.hostname in EMBED_HOSTS else None
    return value


def clean_html(html: str, *, base_url: str | None = None) -> str:
    """Return html with scripts, event handlers, styles and unsafe URLs removed (for posts, entries).

    Frames keep their src only when it is an https URL of a known embed provider (EMBED_HOSTS),
    and every frame is sandboxed.

    Links get rel="noopener noreferrer nofollow"; relative URLs are kept (resolve them before, with
    base_url given, when the HTML came from elsewhere: see `absolutize`).
    """
    if base_url:
        from plnet.protocols.html import absolutize

        html = absolutize(html, base_url)
    return nh3.clean(
        html,
        tags=POST_TAGS,
        attributes=POST_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=False,
        attribute_filter=_embed_only,
        set_tag_attribute_values={"iframe": FRAME_ATTRIBUTES},
    )


def clean_comment_html(html: str) -> str:
    """Return html reduced to the small comment subset (no media, no classes), its plain-text
    http(s) addresses made links (`plnet.protocols.html.linkify`); every link gets
    rel="nofollow ugc noopener noreferrer" and only http, https and mailto hrefs survive."""
    return nh3.clean(
        linkify(html),
        tags=COMMENT_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )


def _image_as_link(self, tokens, idx, options, env) -> str:
    """markdown-it render rule for images in comments: comments load no images (a tracking pixel
    would see every reader), but the words stay. `![alt](src)` becomes a link to src whose text is
    the alt text (the address itself when there is none); inside a link, just the alt text."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    src = token.attrGet("src") or ""
    depth = 0
    for earlier in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(earlier.type, 0)
    if depth > 0 or not src:
        return escapeHtml(alt)
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt or src)}</a>'


@lru_cache(maxsize=2)
def _markdown(comment: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": not comment, "linkify": False, "typographer": False})
    if comment:
        md.add_render_rule("image", _image_as_link)
    else:
        md.enable("table").enable("strikethrough")
    return md


def render_markdown(text: str) -> str:
    """Render a post's Markdown (CommonMark + tables, strikethrough) to sanitised HTML."""
    return clean_html(_markdown(False).render(text))


def render_comment_markdown(text: str) -> str:
    """Render a comment's Markdown subset (raw HTML shown as text) to sanitised HTML.

    Images are not loaded: `![alt](src)` is shown as a link to the image (rel="nofollow ugc"
    like every comment link) with its alt text, so a comment made of an image never turns empty.
    """
    return clean_comment_html(_markdown(True).render(text))
