"""Seed the database with the real WordPress site in the corpus (wxr/wordpress-peer), so our
pages and feeds can be compared with what WordPress itself served for the same content
(feeds/wordpress-peer). The export is read here with lxml, independently of plnet's importer.

Posts, pages, comments and users keep their WordPress ids as primary keys, so `?p=ID` guids and
`#comment-ID` anchors line up with WordPress's feeds.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from lxml import etree

from plnet.conversation.models import Comment
from plnet.publishing.models import Category, Post

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
SITE = "http://127.0.0.1:8080"
STATUS = {"publish": "published", "draft": "draft", "private": "private", "future": "scheduled"}


def export_path(corpus: Path) -> Path:
    return corpus / "wxr" / "wordpress-peer" / "export-200-posts.xml"


def read_export(corpus: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.parse(str(export_path(corpus)), parser).getroot()


def _gmt(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)


def _text(item, path: str) -> str:
    return item.findtext(path, default="", namespaces=NS) or ""


def seed(corpus: Path, django_user_model) -> dict[str, int]:
    """Create the export's users, categories, posts, pages and comments; return counts."""
    root = read_export(corpus)
    channel = root.find("channel")
    users = {}
    for a in channel.findall("wp:author", NS):
        login = _text(a, "wp:author_login")
        users[login] = django_user_model.objects.create(
            pk=int(_text(a, "wp:author_id")),
            username=login,
            email=_text(a, "wp:author_email"),
            display_name=_text(a, "wp:author_display_name"),
        )
    cats, parents = {}, {}
    for c in channel.findall("wp:category", NS):
        slug = _text(c, "wp:category_nicename")
        cats[slug] = Category.objects.create(
            name=_text(c, "wp:cat_name"),
            slug=slug,
            description=_text(c, "wp:category_description"),
        )
        parents[slug] = _text(c, "wp:category_parent")
    for slug, parent in parents.items():
        if parent:
            cats[slug].parent = cats[parent]
            cats[slug].save()
    comments = []
    for item in channel.findall("item"):
        kind = _text(item, "wp:post_type")
        if kind not in {"post", "page"}:
            continue
        post = Post.objects.create(
            pk=int(_text(item, "wp:post_id")),
            post_type=kind,
            # WordPress keeps titles as HTML ("R&amp;D"); plnet keeps plain text, as its importer does.
            title=html.unescape(_text(item, "title")),
            slug=_text(item, "wp:post_name"),
            body=_text(item, "content:encoded"),
            body_format="html",
            excerpt=_text(item, "excerpt:encoded"),
            status=STATUS[_text(item, "wp:status")],
            published_at=_gmt(_text(item, "wp:post_date_gmt")),
            author=users[_text(item, "dc:creator")],
            sticky=_text(item, "wp:is_sticky") == "1",
            comment_status=_text(item, "wp:comment_status"),
            guid=_text(item, "guid"),
        )
        post.categories.set(
            [cats[c.get("nicename")] for c in item.findall("category[@domain='category']")]
        )
        post.tags.set([c.text for c in item.findall("category[@domain='post_tag']")])
        for c in item.findall("wp:comment", NS):
            comments.append(
                Comment(
                    pk=int(_text(c, "wp:comment_id")),
                    post=post,
                    author_name=_text(c, "wp:comment_author"),
                    author_url=_text(c, "wp:comment_author_url"),
                    content=_text(c, "wp:comment_content"),
                    created_at=_gmt(_text(c, "wp:comment_date_gmt")),
                    state={"1": "approved", "0": "pending", "spam": "spam"}.get(
                        _text(c, "wp:comment_approved"), "trash"
                    ),
                    comment_type=_text(c, "wp:comment_type") or "comment",
                )
            )
    Comment.objects.bulk_create(comments)
    return {"posts": Post.objects.count(), "comments": len(comments)}
