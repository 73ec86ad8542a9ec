"""Feeds, parsed back with feedparser.

Two kinds of check: small hand-made sites whose expected fields are written in the test, and the
real WordPress site of the corpus (wxr/wordpress-peer), seeded into our database, whose feeds must
list the same entries, links, ids and dates as WordPress's own feeds (feeds/wordpress-peer).
"""

from __future__ import annotations

import datetime as dt
import html
import time

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from plnet.conversation.models import Comment
from plnet.publishing.models import Category, Post

from . import wxr_seed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]
SITE = "https://blog.example.org"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return response, feed


def utc(struct: time.struct_time) -> dt.datetime:
    return dt.datetime(*struct[:6], tzinfo=dt.UTC)


@pytest.fixture
def small_site(make_post, other_author):
    cat = Category.objects.create(name="Reflections", slug="reflections")
    first = make_post(
        "Why I <b>blog</b> & learn",
        slug="why",
        when=dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC),
        body="Because *writing* is thinking.",
        excerpt="Writing is thinking.",
    )
    first.categories.add(cat)
    first.tags.add("learning", "writing")
    second = make_post("Second", slug="second", when=dt.datetime(2024, 5, 3, 8, tzinfo=dt.UTC))
    protected = make_post(
        "Locked", slug="locked", password="sesame", body="secret words",
        when=dt.datetime(2024, 5, 4, 8, tzinfo=dt.UTC),
    )  # fmt: skip
    make_post("Draft", status="draft")
    make_post("By Bo", author=other_author, when=dt.datetime(2024, 5, 2, tzinfo=dt.UTC))
    return {"first": first, "second": second, "protected": protected, "cat": cat}


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_site_feed_fields(client, small_site, url):
    response, feed = parse(client, url)
    assert feed.version == ("rss20" if url == "/feed/" else "atom10")
    assert feed.feed.title == "Learning in Public"
    assert feed.feed.link == SITE + "/"
    titles = [e.title for e in feed.entries]
    assert titles == ["Locked", "Second", "By Bo", "Why I <b>blog</b> & learn"]
    first = feed.entries[-1]
    assert first.link == SITE + "/2024/05/01/why/"
    assert first.id == SITE + "/2024/05/01/why/"
    assert utc(first.published_parsed) == dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    assert first.author == "Ana Lima"
    assert sorted(t.term for t in first.tags) == ["Reflections", "learning", "writing"]
    assert first.summary == "Writing is thinking."
    assert "<em>writing</em>" in first.content[0].value
    locked = feed.entries[0]
    assert "secret" not in response.content.decode()
    assert locked.summary == "There is no excerpt because this is a protected post."


def test_feed_dates_do_not_depend_on_the_display_time_zone(client, settings, small_site):
    settings.TIME_ZONE = "Pacific/Auckland"
    _, feed = parse(client, "/feed/")
    first = feed.entries[-1]
    assert utc(first.published_parsed) == dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    assert first.link == SITE + "/2024/05/02/why/"  # the permalink carries Auckland's date


def test_archive_feeds(client, small_site):
    _, feed = parse(client, "/category/reflections/feed/")
    assert [e.title for e in feed.entries] == ["Why I <b>blog</b> & learn"]
    assert feed.feed.link == SITE + "/category/reflections/"
    _, feed = parse(client, "/tag/writing/feed/atom/")
    assert [e.title for e in feed.entries] == ["Why I <b>blog</b> & learn"]
    _, feed = parse(client, "/author/bo/feed/")
    assert [e.title for e in feed.entries] == ["By Bo"]
    _, feed = parse(client, "/author/ana/feed/atom/")
    assert [e.title for e in feed.entries] == ["Locked", "Second", "Why I <b>blog</b> & learn"]
    for missing in ["/category/nope/feed/", "/tag/nope/feed/", "/author/nobody/feed/"]:
        assert client.get(missing).status_code == 404


def test_comments_feed_lists_only_approved_comments_on_public_posts(client, small_site, make_post):
    first, locked = small_site["first"], small_site["protected"]
    draft = Post.objects.get(title="Draft")
    base = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    for i, (post, state) in enumerate(
        [(first, "approved"), (first, "pending"), (first, "spam"), (locked, "approved"),
         (draft, "approved"), (first, "approved")]
    ):  # fmt: skip
        Comment.objects.create(
            post=post, state=state, author_name=f"C{i}", content=f"<p>comment {i}</p>",
            created_at=base + dt.timedelta(hours=i),
        )  # fmt: skip
    for url in ["/comments/feed/", "/comments/feed/atom/"]:
        _, feed = parse(client, url)
        assert [e.title for e in feed.entries] == [
            "Comment on Why I <b>blog</b> & learn by C5",
            "Comment on Why I <b>blog</b> & learn by C0",
        ]
        c5 = Comment.objects.get(author_name="C5")
        assert feed.entries[0].link == f"{SITE}/2024/05/01/why/#comment-{c5.pk}"
        assert utc(feed.entries[0].published_parsed) == base + dt.timedelta(hours=5)
    _, feed = parse(client, "/2024/05/01/why/feed/")
    assert len(feed.entries) == 2
    assert client.get("/2024/05/04/locked/feed/").status_code == 404


def test_feeds_are_well_formed_xml_with_hostile_titles(client, make_post):
    make_post('A "quoted" <script>alert(1)</script> title ]]> & more', slug="x")
    for url in ["/feed/", "/feed/atom/"]:
        body = client.get(url).content
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        assert root is not None
        assert b"<script>" not in body


# --- the real WordPress site ---------------------------------------------------------------------


@pytest.fixture
def wp_site(settings, corpus, django_user_model):
    settings.SITE_URL = wxr_seed.SITE
    settings.SITE_NAME = "WP Peer"
    return wxr_seed.seed(wxr_seed.peer_export(corpus), django_user_model)


def wordpress_feed(corpus, name):
    return feedparser.parse((corpus / "feeds" / "wordpress-peer" / name).read_bytes())


def entry_facts(feed):
    # WordPress double-escapes texturised titles ("R&#038;D" reaches the reader as text), so
    # titles are compared with entities decoded; ours must already be plain.
    return [
        (
            html.unescape(e.title),
            e.link,
            e.id,
            utc(e.published_parsed),
            sorted(t.term for t in e.get("tags", [])),
        )
        for e in feed.entries
    ]


POST_FEEDS = [
    ("/feed/", "wp-peer-rss2.xml"),
    ("/feed/atom/", "wp-peer-atom.xml"),
    ("/category/learning-networks/feed/", "wp-peer-category-rss2.xml"),
    ("/tag/pingback/feed/atom/", "wp-peer-tag-atom.xml"),
]
COMMENT_FEEDS = [
    ("/comments/feed/", "wp-peer-comments-rss2.xml"),
    ("/comments/feed/atom/", "wp-peer-comments-atom.xml"),
    ("/2015/01/08/markup-theme-learning-node-essay-20/feed/", "wp-peer-post-comments-rss2.xml"),
]


def test_post_feeds_list_what_wordpress_listed(client, wp_site, corpus):
    root, ns = wxr_seed.read(wxr_seed.peer_export(corpus))
    kinds = [i.findtext("wp:post_type", namespaces=ns) for i in root.iter("item")]
    assert wp_site["posts"] == kinds.count("post") + kinds.count("page") == 203
    for ours, theirs in POST_FEEDS:  # one seeding, four feeds
        expected = wordpress_feed(corpus, theirs)
        assert len(expected.entries) == 10, theirs
        _, feed = parse(client, ours)
        assert entry_facts(feed) == entry_facts(expected), ours
        assert [e.author for e in feed.entries] == [e.author for e in expected.entries], ours


def test_comment_feeds_list_what_wordpress_listed(client, wp_site, corpus):
    root, ns = wxr_seed.read(wxr_seed.peer_export(corpus))
    assert wp_site["comments"] == len(root.findall("channel/item/wp:comment", ns))
    for ours, theirs in COMMENT_FEEDS:
        expected = wordpress_feed(corpus, theirs)
        assert expected.entries, theirs
        _, feed = parse(client, ours)
        facts = [(e.title, e.link, utc(e.published_parsed)) for e in feed.entries]
        assert facts == [
            (html.unescape(e.title), e.link, utc(e.published_parsed)) for e in expected.entries
        ], ours


def test_feed_readers_get_304_when_nothing_changed(client, small_site):
    first = client.get("/feed/")
    assert first["Last-Modified"] and first["ETag"]
    again = client.get("/feed/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = client.get("/feed/atom/", headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304
    small_site["second"].body = "changed"
    small_site["second"].save()
    assert client.get("/feed/", headers={"if-none-match": first["ETag"]}).status_code == 200


def test_control_characters_do_not_break_feeds(client, make_post):
    # Regression: Django refuses to write XML 1.0 control characters, so one such character in
    # a title, a body or a comment (anyone can type one) made the whole feed answer 500.
    post = make_post("Ti\x0btle", slug="ctl", body="a\x0cb \x01 c", excerpt="x\x08y")
    Comment.objects.create(post=post, state="approved", author_name="Sp\x1bam", content="h\x07i")
    for url in ["/feed/", "/feed/atom/", "/comments/feed/", "/comments/feed/atom/"]:
        _, feed = parse(client, url)
        assert feed.entries, url
    _, feed = parse(client, "/feed/")
    assert feed.entries[0].title == "Title" and feed.entries[0].summary == "xy"
    _, feed = parse(client, "/comments/feed/")
    assert feed.entries[0].title == "Comment on Title by Spam"


RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"


def entry_html(xml: bytes) -> list[str]:
    """The HTML of every entry of an RSS or Atom feed, read with lxml (feedparser would resolve
    relative URLs itself and hide the bug)."""
    root = etree.fromstring(xml)
    if root.tag == "rss":
        items = root.iter("item")
        return [
            el.text or "" for item in items for el in item if el.tag in {"description", RSS_CONTENT}
        ]
    return [(el.text or "") for el in root.iter(f"{ATOM}content", f"{ATOM}summary")]


def urls_in(fragment: str) -> list[str]:
    """Every href, src and srcset URL of an HTML fragment."""
    urls = []
    for el in lxml_html.fragment_fromstring(fragment, create_parent="div").iter():
        urls += [el.get(a) for a in ("href", "src") if el.get(a)]
        srcset = el.get("srcset") or ""
        urls += [c.split()[0] for c in srcset.split(", ") if c.strip()]
    return urls


def test_every_url_in_every_feed_is_absolute(client, make_post):
    """An uploaded image is stored as /media/…; RSS has no xml:base, so readers need the site's
    absolute URL (in content:encoded, Atom content and the comments' descriptions)."""
    cat = Category.objects.create(name="Media", slug="media-cat")
    post = make_post(
        "With a picture",
        slug="pic",
        when=dt.datetime(2024, 7, 1, 12, tzinfo=dt.UTC),
        body='![red](/media/2026/11/red.png)\n\n<img src="small.png" alt="s" '
        'srcset="/media/2026/11/red-2x.png 2x, small.png 1x">\n\n'
        "See [the about page](/about/), [a note](#note-1) and [WordPress](https://wordpress.org/).",
    )
    post.categories.add(cat)
    post.tags.add("pictures")
    Comment.objects.create(
        post=post, state="approved", author_name="C", created_at=dt.datetime(2024, 7, 2, tzinfo=dt.UTC),
        content='<p>As I wrote <a href="/2024/01/01/older/">before</a>.</p>',
    )  # fmt: skip
    permalink = f"{SITE}/2024/07/01/pic/"
    expected_post_urls = {
        f"{SITE}/media/2026/11/red.png", f"{permalink}small.png", f"{SITE}/media/2026/11/red-2x.png",
        f"{SITE}/about/", f"{permalink}#note-1", "https://wordpress.org/",
    }  # fmt: skip
    post_feeds = ["/feed/", "/category/media-cat/feed/", "/tag/pictures/feed/", "/author/ana/feed/"]
    comment_feeds = ["/comments/feed/", "/2024/07/01/pic/feed/"]
    for url in post_feeds + comment_feeds:
        for kind in ("", "atom/"):
            response = client.get(url + kind)
            assert response.status_code == 200, url + kind
            urls = [u for fragment in entry_html(response.content) for u in urls_in(fragment)]
            if url in post_feeds:
                assert set(urls) == expected_post_urls, url + kind
            else:
                assert urls == [f"{SITE}/2024/01/01/older/"], url + kind


def test_a_post_page_advertises_only_feeds_that_exist(client, small_site, author, make_post):
    """A protected post (and a private one, seen by its author) has no comment feed: its page
    must not link one (it was a 404 for feed readers)."""
    private = make_post("Mine", slug="mine", status="private")
    client.force_login(author)
    advertised = {}
    for post in (small_site["first"], small_site["protected"], private):
        page = client.get(post.get_absolute_url())
        assert page.status_code == 200
        head = lxml_html.fromstring(page.content).head
        hrefs = [link.get("href") for link in head.iter("link") if link.get("rel") == "alternate"]
        advertised[post.slug] = [h.removeprefix(SITE) for h in hrefs]
        for path in advertised[post.slug]:
            assert client.get(path).status_code == 200, (post.slug, path)
    site_feeds = ["/feed/", "/feed/atom/", "/comments/feed/"]
    assert advertised == {
        "why": [*site_feeds, "/2024/05/01/why/feed/"],
        "locked": site_feeds,
        "mine": site_feeds,
    }


def test_last_modified_moves_forward_when_the_newest_post_is_trashed(client, make_post):
    """Regression: Last-Modified was the newest entry's date, so trashing the newest post took
    it back to the one before, and If-Modified-Since with the old value got 304 for a changed
    feed. It is never older than the last change to what is published."""
    from django.core.cache import cache
    from django.db.models import F
    from django.utils.http import parse_http_date

    from plnet.publishing import services, sitecache

    make_post("Older", when=dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC))
    newest = make_post("Newest", when=dt.datetime(2024, 5, 2, 8, tzinfo=dt.UTC))
    Post.objects.update(updated_at=F("published_at"))
    long_ago = int(dt.datetime(2024, 4, 1, tzinfo=dt.UTC).timestamp()) * 10**9
    cache.set(sitecache.VERSION_KEY, f"{long_ago:x}", None)  # the last change was before both
    first = client.get("/feed/")
    assert parse_http_date(first["Last-Modified"]) == newest.published_at.timestamp()

    services.trash_post(newest)

    after = client.get("/feed/", headers={"if-modified-since": first["Last-Modified"]})
    assert after.status_code == 200 and b"Newest" not in after.content
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    same = client.get("/feed/atom/", headers={"if-modified-since": after["Last-Modified"]})
    assert same.status_code == 304
