"""A generator of synthetic WordPress exports (WXR 1.2) for the import benchmark.

`write_wxr(path, posts=…, comments_per_post=…)` writes the file as it goes (constant memory):
3 authors, 20 categories (some nested), 50 tags, `posts` posts with paragraphs, a shortcode and
a block comment, each with `comments_per_post` comments (a third of them replies; one pingback,
one pending and one spam per post), plus one page per 50 posts. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
\t<title>Synthetic learning journal</title>
\t<link>https://journal.example</link>
\t<description>Generated for the plnet import benchmark</description>
\t<language>en-US</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>https://journal.example</wp:base_site_url>
\t<wp:base_blog_url>https://journal.example</wp:base_blog_url>
"""
WORDS = (
    "learning network reflection practice course week reading notes community question idea "
    "teaching feedback project open web blog connect share curiosity mentor peer draft"
).split()


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_wxr(path: Path, *, posts: int, comments_per_post: int = 10, seed: int = 1) -> dict:
    """Write the export to path; return the counts written (posts, pages, comments)."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, 9, 0, 0)
    counts = {"posts": 0, "pages": 0, "comments": 0}
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for i, login in enumerate(["ana", "ben", "chioma"], start=1):
            out.write(
                f"\t<wp:author><wp:author_id>{i}</wp:author_id><wp:author_login>{cdata(login)}"
                f"</wp:author_login><wp:author_email>{login}@journal.example</wp:author_email>"
                f"<wp:author_display_name>{cdata(login.title())}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for c in range(20):
            parent = f"topic-{c // 5 * 5}" if c % 5 else ""
            out.write(
                f"\t<wp:category><wp:term_id>{100 + c}</wp:term_id><wp:category_nicename>topic-{c}"
                f"</wp:category_nicename><wp:category_parent>{parent}</wp:category_parent>"
                f"<wp:cat_name>{cdata(f'Topic {c}')}</wp:cat_name></wp:category>\n"
            )
        for t in range(50):
            out.write(
                f"\t<wp:tag><wp:term_id>{200 + t}</wp:term_id><wp:tag_slug>tag-{t}</wp:tag_slug>"
                f"<wp:tag_name>{cdata(f'Tag {t}')}</wp:tag_name></wp:tag>\n"
            )
        comment_id = 0
        for n in range(1, posts + 1):
            is_page = n % 50 == 0
            when = start + timedelta(hours=7 * n)
            comments = []
            first_in_post = comment_id + 1
            for k in range(comments_per_post):
                comment_id += 1
                parent = first_in_post + rng.randrange(k) if k and k % 3 == 0 else 0
                approved = {1: "0", 2: "spam"}.get(k, "1")
                kind = "pingback" if k == comments_per_post - 1 else "comment"
                comments.append(_comment(rng, comment_id, parent, approved, kind, when, k))
            counts["comments"] += len(comments)
            counts["pages" if is_page else "posts"] += 1
            out.write(_item(rng, n, when, is_page, comments))
        out.write("</channel>\n</rss>\n")
    return counts


def _comment(rng, cid, parent, approved, kind, when, k) -> str:
    date = when + timedelta(minutes=37 * (k + 1))
    text = "\n\n".join(sentence(rng, 15) for _ in range(2))
    return (
        f"\t\t<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author>{cdata(f'Reader {cid % 97}')}</wp:comment_author>"
        f"<wp:comment_author_email>reader{cid % 97}@mail.example</wp:comment_author_email>"
        f"<wp:comment_author_url>https://reader{cid % 97}.example/</wp:comment_author_url>"
        f"<wp:comment_author_IP>192.0.2.{cid % 250}</wp:comment_author_IP>"
        f"<wp:comment_date>{date:%Y-%m-%d %H:%M:%S}</wp:comment_date>"
        f"<wp:comment_date_gmt>{date:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
        f"<wp:comment_content>{cdata(text)}</wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_type>{kind}</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent>"
        "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
    )


def _item(rng, n, when, is_page, comments) -> str:
    kind = "page" if is_page else "post"
    title = f"Week {n}: " + sentence(rng, 5).rstrip(".")
    slug = f"week-{n}"
    paragraphs = "\n\n".join(sentence(rng, 40) for _ in range(4))
    body = (
        f'{paragraphs}\n\n[caption id="attachment_{n}" width="300"]A figure, week {n}[/caption]'
        "\n\n<!-- wp:paragraph -->\n<p>" + escape(sentence(rng)) + "</p>\n<!-- /wp:paragraph -->"
    )
    terms = "".join(
        f'\t\t<category domain="category" nicename="topic-{c}">{cdata(f"Topic {c}")}</category>\n'
        for c in {n % 20, (n * 7) % 20}
    ) + "".join(
        f'\t\t<category domain="post_tag" nicename="tag-{t}">{cdata(f"Tag {t}")}</category>\n'
        for t in {n % 50, (n * 3) % 50}
    )
    return (
        f"\t<item>\n\t\t<title>{escape(title)}</title>\n"
        f"\t\t<link>https://journal.example/{when:%Y/%m/%d}/{slug}/</link>\n"
        f"\t\t<pubDate>{when:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n"
        f"\t\t<dc:creator>{cdata(['ana', 'ben', 'chioma'][n % 3])}</dc:creator>\n"
        f'\t\t<guid isPermaLink="false">https://journal.example/?p={n}</guid>\n'
        f"\t\t<content:encoded>{cdata(body)}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{n}</wp:post_id>\n"
        f"\t\t<wp:post_date>{when:%Y-%m-%d %H:%M:%S}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>\n"
        "\t\t<wp:comment_status>open</wp:comment_status><wp:ping_status>open</wp:ping_status>\n"
        f"\t\t<wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>\n"
        f"\t\t<wp:post_type>{kind}</wp:post_type><wp:post_password></wp:post_password>\n"
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n" + terms + "".join(comments) + "\t</item>\n"
    )
