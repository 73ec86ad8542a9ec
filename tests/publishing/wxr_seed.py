"""Seed the database with a real WordPress export from the corpus, read here with lxml,
independently of plnet's importer, so pages and feeds can be checked on real content:

- the WordPress peer site (wxr/wordpress-peer), whose own feeds are in feeds/wordpress-peer;
- the Theme Unit Test (wxr/theme-test-data), WordPress's set of awkward content.

Posts, pages, comments and users keep their WordPress ids as primary keys, so `?p=ID` guids and
`#comment-ID` anchors line up with WordPress's feeds. Titles and excerpts become plain text (tags
dropped, entities decoded), as plnet's importer stores them.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import nh3
from lxml import etree

from plnet.conversation.models import Comment
from plnet.publishing.models import Category, Post

SITE = "http://127.0.0.1:8080"  # the WordPress peer's address
STATUS = {"publish": "published", "draft": "draft", "private": "private", "future": "scheduled"}
COMMENT_STATE = {"1": "approved", "0": "pending", "spam": "spam"}


def peer_export(corpus: Path) -> Path:
    return corpus / "wxr" / "wordpress-peer" / "export-200-posts.xml"


def theme_unit_test(corpus: Path) -> Path:
    return corpus / "wxr" / "theme-test-data" / "themeunittestdata.wordpress.xml"


def read(path: Path) -> tuple[etree._Element, dict[str, str]]:
    """The parsed export and its namespaces (the wp namespace is http:// or https:// by age)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.parse(str(path), parser).getroot()
    ns = {k: v for k, v in root.nsmap.items() if k}
    return root, ns


def plain(text: str) -> str:
    return html.unescape(nh3.clean(text, tags=set())).strip()


def _gmt(text: str) -> dt.datetime | None:
    if not text or text.startswith("0000"):
        return None
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)


def seed(path: Path, django_user_model) -> dict[str, int]:
    """Create the export's users, categories, posts, pages and comments; return counts."""
    root, ns = read(path)
    channel = root.find("channel")

    def text(el, xpath: str) -> str:
        return el.findtext(xpath, default="", namespaces=ns) or ""

    users = {}
    for a in channel.findall("wp:author", ns):
        login, pk = text(a, "wp:author_login"), text(a, "wp:author_id")
        users[login] = django_user_model.objects.create(
            pk=int(pk) if pk else None,
            username=login,
            email=text(a, "wp:author_email"),
            display_name=text(a, "wp:author_display_name"),
        )

    def user(login: str):
        if login not in users:  # a creator without a <wp:author> block
            users[login] = django_user_model.objects.create(username=login)
        return users[login]

    cats, parents = {}, {}
    for c in channel.findall("wp:category", ns):
        slug = text(c, "wp:category_nicename")
        cats[slug] = Category.objects.create(
            name=html.unescape(text(c, "wp:cat_name")),
            slug=slug,
            description=text(c, "wp:category_description"),
        )
        parents[slug] = text(c, "wp:category_parent")
    for slug, parent in parents.items():
        if parent:
            cats[slug].parent = cats[parent]
            cats[slug].save()
    comments = []
    for item in channel.findall("item"):
        kind = text(item, "wp:post_type")
        if kind not in {"post", "page"}:
            continue
        post = Post.objects.create(
            pk=int(text(item, "wp:post_id")),
            post_type=kind,
            title=plain(text(item, "title")),
            slug=text(item, "wp:post_name"),
            body=text(item, "content:encoded"),
            body_format="html",
            excerpt=plain(text(item, "excerpt:encoded")),
            status=STATUS.get(text(item, "wp:status"), "draft"),
            published_at=_gmt(text(item, "wp:post_date_gmt")),
            author=user(text(item, "dc:creator")),
            sticky=text(item, "wp:is_sticky") == "1",
            password=text(item, "wp:post_password"),
            comment_status=text(item, "wp:comment_status"),
            guid=text(item, "guid"),
        )
        post.categories.set(
            [cats[c.get("nicename")] for c in item.findall("category[@domain='category']")]
        )
        post.tags.set([html.unescape(c.text) for c in item.findall("category[@domain='post_tag']")])
        for c in item.findall("wp:comment", ns):
            comments.append(
                Comment(
                    pk=int(text(c, "wp:comment_id")),
                    post=post,
                    author_name=text(c, "wp:comment_author"),
                    author_url=text(c, "wp:comment_author_url"),
                    content=text(c, "wp:comment_content"),
                    created_at=_gmt(text(c, "wp:comment_date_gmt")),
                    state=COMMENT_STATE.get(text(c, "wp:comment_approved"), "trash"),
                    comment_type=text(c, "wp:comment_type") or "comment",
                )
            )
    for page in Post.objects.pages():  # parents after every page exists
        parent_id = int(channel.xpath(
            "item[wp:post_id=$pk]/wp:post_parent/text()", namespaces=ns, pk=str(page.pk)
        )[0] or 0)  # fmt: skip
        if parent_id and Post.objects.filter(pk=parent_id).exists():
            Post.objects.filter(pk=page.pk).update(parent_id=parent_id)
    Comment.objects.bulk_create(comments)
    return {"posts": Post.objects.count(), "comments": len(comments)}
