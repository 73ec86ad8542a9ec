"""WordPress eXtended RSS (WXR) 1.0–1.2: a streaming, namespace-aware parser.

Spec: WXR has no formal specification; it is defined by WordPress's exporter
(`wp-admin/includes/export.php`, `export_wp()`) and read by the WordPress Importer
(`parsers/class-wxr-parser-*.php`). This module follows those two:

- the document is RSS 2.0 (`<rss><channel>`), extended with the `wp:` namespace
  `http://wordpress.org/export/1.N/` (any minor version N is accepted, as the importer does),
  `excerpt:` (`…/export/1.N/excerpt/`), `content:` (RSS 1.0 content module) and `dc:` (Dublin Core);
- `<wp:wxr_version>` must be present and look like `1.2` ("missing/invalid WXR version number");
- channel children: site fields (`wp:base_site_url`, `wp:base_blog_url`), `wp:author`
  (also `wp:wp_author`, as WordPress.com writes it), `wp:category`, `wp:tag`, `wp:term`, `item`;
- an item is a post of any type with `wp:postmeta`, `wp:comment` (with `wp:commentmeta`) and
  `<category domain="…" nicename="…">` terms (WXR 1.0 says `domain="tag"` for tags).

Elements are matched by namespace URI, not by prefix, so a `wp:` prefix bound to a foreign URI
is ignored and an unprefixed element in the `wp` namespace is read.

The parser streams with lxml's iterparse (entities not resolved, no network, no huge trees) and
clears each channel child once read, so memory stays flat however long the file is. Any DOCTYPE
is refused: WordPress never writes one, and it is how entity bombs and external entities arrive.

`parse(source)` yields a `WxrSite` first, then `WxrAuthor`, `WxrCategory`, `WxrTag`, `WxrTerm`
and `WxrItem` in document order. Problems raise `WxrError` with a line number and one line of
text. This module imports nothing from Django or plnet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree

READ_ERROR = "There was an error when reading this WXR file"
VERSION_ERROR = "This does not appear to be a WXR file, missing/invalid WXR version number"

_WP_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/$")
_EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_VERSION = re.compile(r"^\d+\.\d+$")
_ZERO_DATE = "0000-00-00 00:00:00"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$")


class WxrError(ValueError):
    """The file cannot be imported. `line` is the 1-based line in the file, `message` one line."""

    def __init__(self, line: int, message: str):
        self.line = max(int(line or 0), 1)
        self.message = " ".join(str(message).split())
        super().__init__(f"line {self.line}: {self.message}")


@dataclass(frozen=True)
class WxrSite:
    """The channel: `wxr_version` ("1.2"), the old site's `base_site_url` and `base_blog_url`."""

    wxr_version: str
    title: str
    link: str
    base_site_url: str
    base_blog_url: str
    language: str


@dataclass(frozen=True)
class WxrAuthor:
    """A `<wp:author>`: `login` is the key; `author_id` is WordPress's user id (may be None)."""

    login: str
    author_id: int | None
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class WxrCategory:
    """A `<wp:category>`: `slug` (nicename), `parent_slug` ("" at the root), optional termmeta."""

    term_id: int | None
    slug: str
    name: str
    parent_slug: str
    description: str
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WxrTag:
    """A `<wp:tag>` (taxonomy post_tag)."""

    term_id: int | None
    slug: str
    name: str
    description: str
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WxrTerm:
    """A `<wp:term>` of any taxonomy (custom ones, nav_menu, and sometimes category/post_tag)."""

    term_id: int | None
    taxonomy: str
    slug: str
    name: str
    parent_slug: str
    description: str
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WxrItemTerm:
    """An item's `<category domain="…" nicename="…">Name</category>`; `domain` is the taxonomy.

    WXR 1.0 writes `domain="tag"` for tags and repeats each term as a plain RSS `<category>`
    without a domain; `taxonomy` normalises both tag spellings to "post_tag" and is "" for the
    plain RSS repeats (which WordPress's importer ignores too).
    """

    domain: str
    slug: str
    name: str

    @property
    def taxonomy(self) -> str:
        if self.domain in {"tag", "post_tag"}:
            return "post_tag"
        return self.domain


@dataclass(frozen=True)
class WxrComment:
    """A `<wp:comment>`. `approved` is WordPress's raw comment_approved ("1", "0", "spam", …).

    Dates are naive: `date` in the old site's time zone, `date_gmt` in UTC (None when absent or
    the all-zero date). `parent_id` is 0 or None for a top-level comment.
    """

    comment_id: int | None
    author: str
    author_email: str
    author_url: str
    author_ip: str
    date: datetime | None
    date_gmt: datetime | None
    content: str
    approved: str
    comment_type: str
    parent_id: int | None
    user_id: int | None
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WxrItem:
    """An `<item>`: a post, page, attachment, nav menu item or any other post type.

    `post_date` is naive in the old site's time zone; `post_date_gmt` is naive UTC, None for the
    all-zero date drafts carry; `pub_date` is the RSS pubDate (aware) when it parses. `slug` is
    `wp:post_name` as written (WordPress percent-encodes non-ASCII slugs). `line` is where the
    item starts in the file.
    """

    post_id: int | None
    post_type: str
    status: str
    title: str
    link: str
    guid: str
    creator: str
    content: str
    excerpt: str
    post_date: datetime | None
    post_date_gmt: datetime | None
    pub_date: datetime | None
    slug: str
    parent_id: int | None
    menu_order: int
    comment_status: str
    ping_status: str
    password: str
    is_sticky: bool
    attachment_url: str
    terms: tuple[WxrItemTerm, ...]
    meta: tuple[tuple[str, str], ...]
    comments: tuple[WxrComment, ...]
    line: int


WxrRecord = WxrSite | WxrAuthor | WxrCategory | WxrTag | WxrTerm | WxrItem


def parse(source: BinaryIO | str | Path) -> Iterator[WxrRecord]:
    """Stream the records of a WXR file (path or binary file object), WxrSite first.

    Raises WxrError (with the line) for anything that is not a well-formed WXR document:
    not XML, truncated, a DOCTYPE (entities), a root other than <rss>, no <channel>, and a
    missing or invalid <wp:wxr_version>.
    """
    if isinstance(source, Path):
        source = str(source)
    try:
        events = etree.iterparse(
            source,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        yield from _walk(events)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise WxrError(line, f"{READ_ERROR}: {exc.msg}") from None
    except OSError as exc:
        raise WxrError(0, f"{READ_ERROR}: {exc.strerror or exc}") from None


def _walk(events) -> Iterator[WxrRecord]:
    depth = 0
    site: dict[str, str] = {}
    site_line = 0
    sent_site = False
    channel_seen = False
    for event, elem in events:
        if event == "start":
            depth += 1
            if depth == 1:
                _check_root(elem)
            elif depth == 2 and elem.tag == "channel":
                channel_seen, site_line = True, elem.sourceline or 0
            continue
        depth -= 1
        if depth == 2 and channel_seen:
            kind = _channel_child_kind(elem)
            if kind == "site":
                site[_local(elem.tag)] = _text(elem)
            elif kind is not None:
                if not sent_site:
                    sent_site = True
                    yield _site(site, site_line)
                yield _READERS[kind](elem)
            _release(elem)
        elif depth == 1 and elem.tag == "channel" and not sent_site:
            sent_site = True
            yield _site(site, site_line)
        elif depth == 0:
            if not channel_seen:
                raise WxrError(
                    elem.sourceline or 0, "This does not appear to be a WXR file: no <channel>"
                )
            return


def _check_root(elem) -> None:
    line = elem.sourceline or 0
    if elem.getroottree().docinfo.internalDTD is not None:
        raise WxrError(line, f"{READ_ERROR}: a DOCTYPE is not allowed (entity declarations)")
    if elem.tag != "rss":
        raise WxrError(
            line,
            f"This does not appear to be a WXR file: the root is <{_local(elem.tag)}>, not <rss>",
        )


def _release(elem) -> None:
    """Free a processed channel child and any siblings before it (keeps memory flat)."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


@lru_cache(maxsize=1024)
def _name(tag) -> tuple[str, str]:
    """(space, local name) of a tag: space is "" (no namespace), "wp", "content", "excerpt",
    "dc" or "other". Cached: a WXR file uses a handful of tags millions of times."""
    if not isinstance(tag, str):
        return "other", ""
    if not tag.startswith("{"):
        return "", tag
    uri, local = tag[1:].split("}", 1)
    if _WP_NS.match(uri):
        return "wp", local
    if _EXCERPT_NS.match(uri):
        return "excerpt", local
    return {_CONTENT_NS: "content", _DC_NS: "dc"}.get(uri, "other"), local


def _local(tag) -> str:
    return _name(tag)[1]


_SITE_FIELDS = {"wxr_version", "base_site_url", "base_blog_url"}
_PLAIN_SITE_FIELDS = {"title", "link", "language"}


def _channel_child_kind(elem) -> str | None:
    space, name = _name(elem.tag)
    if space == "":
        if name == "item":
            return "item"
        return "site" if name in _PLAIN_SITE_FIELDS else None
    if space != "wp":
        return None
    if name in _SITE_FIELDS:
        return "site"
    if name in {"author", "wp_author"}:
        return "author"
    if name in {"category", "tag", "term"}:
        return name
    return None


def _site(fields: dict[str, str], line: int) -> WxrSite:
    version = fields.get("wxr_version", "").strip()
    if not _VERSION.match(version):
        raise WxrError(line, VERSION_ERROR)
    return WxrSite(
        wxr_version=version,
        title=fields.get("title", "").strip(),
        link=fields.get("link", "").strip(),
        base_site_url=fields.get("base_site_url", "").strip(),
        base_blog_url=fields.get("base_blog_url", "").strip(),
        language=fields.get("language", "").strip(),
    )


def _text(elem) -> str:
    if len(elem) == 0:  # the usual case: text and CDATA only (comments are removed)
        return elem.text or ""
    return "".join(elem.itertext())


def _wp_fields(elem) -> dict[str, str]:
    """Text of the element's direct wp: children by local name (the last one wins, as in WP)."""
    fields = {}
    for child in elem:
        space, name = _name(child.tag)
        if space == "wp":
            fields[name] = _text(child)
    return fields


_ID_IN_URL = re.compile(r"[?&](?:p|page_id|attachment_id)=(\d+)(?:&|#|$)")


def _id_in_url(*urls: str | None) -> int | None:
    """The post id in WordPress's default guid or link form (`…/?p=19`), for exports that leave
    out wp:post_id (hand-made or trimmed ones, such as the theme preview set)."""
    for url in urls:
        match = _ID_IN_URL.search((url or "").strip())
        if match:
            return int(match.group(1))
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value or value == _ZERO_DATE:
        return None
    if not _DATE.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _rfc822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def _meta(elem, name: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for child in elem:
        if _name(child.tag) == ("wp", name):
            fields = _wp_fields(child)
            pairs.append((fields.get("meta_key", ""), fields.get("meta_value", "")))
    return tuple(pairs)


def _author(elem) -> WxrAuthor:
    f = _wp_fields(elem)
    return WxrAuthor(
        login=f.get("author_login", "").strip(),
        author_id=_int(f.get("author_id")),
        email=f.get("author_email", "").strip(),
        display_name=f.get("author_display_name", "").strip(),
        first_name=f.get("author_first_name", "").strip(),
        last_name=f.get("author_last_name", "").strip(),
    )


def _category(elem) -> WxrCategory:
    f = _wp_fields(elem)
    return WxrCategory(
        term_id=_int(f.get("term_id")),
        slug=f.get("category_nicename", "").strip(),
        name=f.get("cat_name", "").strip(),
        parent_slug=f.get("category_parent", "").strip(),
        description=f.get("category_description", "").strip(),
        meta=_meta(elem, "termmeta"),
    )


def _tag(elem) -> WxrTag:
    f = _wp_fields(elem)
    return WxrTag(
        term_id=_int(f.get("term_id")),
        slug=f.get("tag_slug", "").strip(),
        name=f.get("tag_name", "").strip(),
        description=f.get("tag_description", "").strip(),
        meta=_meta(elem, "termmeta"),
    )


def _term(elem) -> WxrTerm:
    f = _wp_fields(elem)
    return WxrTerm(
        term_id=_int(f.get("term_id")),
        taxonomy=f.get("term_taxonomy", "").strip(),
        slug=f.get("term_slug", "").strip(),
        name=f.get("term_name", "").strip(),
        parent_slug=f.get("term_parent", "").strip(),
        description=f.get("term_description", "").strip(),
        meta=_meta(elem, "termmeta"),
    )


def _comment(elem) -> WxrComment:
    f = _wp_fields(elem)
    return WxrComment(
        comment_id=_int(f.get("comment_id")),
        author=f.get("comment_author", "").strip(),
        author_email=f.get("comment_author_email", "").strip(),
        author_url=f.get("comment_author_url", "").strip(),
        author_ip=f.get("comment_author_IP", "").strip(),
        date=_date(f.get("comment_date")),
        date_gmt=_date(f.get("comment_date_gmt")),
        content=f.get("comment_content", ""),
        approved=f.get("comment_approved", "").strip(),
        comment_type=f.get("comment_type", "").strip(),
        parent_id=_int(f.get("comment_parent")),
        user_id=_int(f.get("comment_user_id")),
        meta=_meta(elem, "commentmeta"),
    )


def _item(elem) -> WxrItem:
    plain: dict[str, str] = {}
    wp: dict[str, str] = {}
    terms, comments = [], []
    content = excerpt = creator = ""
    for child in elem:
        space, name = _name(child.tag)
        if space == "":
            if name == "category":
                terms.append(_item_term(child))
            else:
                plain[name] = _text(child)
        elif space == "wp":
            if name == "comment":
                comments.append(_comment(child))
            elif name != "postmeta":
                wp[name] = _text(child)
        elif space == "content" and name == "encoded":
            content = _text(child)
        elif space == "excerpt" and name == "encoded":
            excerpt = _text(child)
        elif space == "dc" and name == "creator":
            creator = _text(child).strip()
    return WxrItem(
        post_id=_int(wp.get("post_id")) or _id_in_url(plain.get("guid"), plain.get("link")),
        post_type=wp.get("post_type", "").strip(),
        status=wp.get("status", "").strip(),
        title=plain.get("title", "").strip(),
        link=plain.get("link", "").strip(),
        guid=plain.get("guid", "").strip(),
        creator=creator,
        content=content,
        excerpt=excerpt,
        post_date=_date(wp.get("post_date")),
        post_date_gmt=_date(wp.get("post_date_gmt")),
        pub_date=_rfc822(plain.get("pubDate", "")),
        slug=wp.get("post_name", "").strip(),
        parent_id=_int(wp.get("post_parent")),
        menu_order=_int(wp.get("menu_order")) or 0,
        comment_status=wp.get("comment_status", "").strip(),
        ping_status=wp.get("ping_status", "").strip(),
        password=wp.get("post_password", ""),
        is_sticky=wp.get("is_sticky", "").strip() == "1",
        attachment_url=wp.get("attachment_url", "").strip(),
        terms=tuple(terms),
        meta=_meta(elem, "postmeta"),
        comments=tuple(comments),
        line=elem.sourceline or 0,
    )


def _item_term(elem) -> WxrItemTerm:
    return WxrItemTerm(
        domain=(elem.get("domain") or "").strip(),
        slug=(elem.get("nicename") or "").strip(),
        name=_text(elem).strip(),
    )


_READERS = {
    "author": _author,
    "category": _category,
    "tag": _tag,
    "term": _term,
    "item": _item,
}
