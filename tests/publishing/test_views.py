"""Every public page through the Django test client; microformats read back with mf2py."""

from __future__ import annotations

import datetime as dt
import re

import lxml.html
import mf2py
import pytest
from django.utils import timezone
from lxml import etree

from plnet.conversation.models import Comment, CommentSettings
from plnet.publishing import services
from plnet.publishing.models import Category, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]
SITE = "https://blog.example.org"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def mf2(response, url="https://blog.example.org/"):
    return mf2py.parse(doc=html(response), url=url)


def find(items, kind):
    found = []
    for item in items:
        if kind in item["type"]:
            found.append(item)
        found += find(item.get("children", []), kind)
    return found


def alternates(body: str) -> set[tuple[str, str]]:
    return set(re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"', body))


# --- home -------------------------------------------------------------------------------------


def test_home_lists_sticky_first_then_newest_ten_per_page(client, make_post):
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    posts = [make_post(f"P{i:02d}", when=base + dt.timedelta(days=i)) for i in range(12)]
    posts[0].sticky = True
    posts[0].save()
    make_post("Hidden draft", status="draft")
    first = html(client.get("/"))
    shown = re.findall(r'class="u-url" href="[^"]+">([^<]+)<', first)
    assert shown == ["P00", "P11", "P10", "P09", "P08", "P07", "P06", "P05", "P04", "P03"]
    second = html(client.get("/?page=2"))
    assert re.findall(r'class="u-url" href="[^"]+">([^<]+)<', second) == ["P02", "P01"]
    assert "Hidden draft" not in first + second
    assert 'rel="next" href="?page=2"' in first


def test_home_is_an_h_feed_of_h_entries(client, make_post):
    cat = Category.objects.create(name="Reflections", slug="reflections")
    post = make_post(
        "Why I blog",
        slug="why",
        when=dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC),
        excerpt="Writing is thinking.",
    )
    post.categories.add(cat)
    post.tags.add("learning")
    for state in ["approved", "approved", "approved", "pending", "spam"]:
        Comment.objects.create(post=post, state=state, content="x")
    parsed = mf2(client.get("/"))
    feed = find(parsed["items"], "h-feed")[0]
    entry = find(feed["children"], "h-entry")[0]
    props = entry["properties"]
    assert props["name"] == ["Why I blog"]
    assert props["url"] == [f"{SITE}/2024/05/01/why/"]
    assert props["published"] == ["2024-05-01T09:00:00+0000"]  # mf2py normalises the offset
    assert props["summary"] == ["Writing is thinking."]
    assert props["category"] == ["Reflections", "#learning"]
    author = props["author"][0]
    assert "h-card" in author["type"] and author["properties"]["name"] == ["Ana Lima"]
    assert "3 comments" in html(client.get("/"))


def test_every_page_advertises_the_site_feeds(client, make_post):
    post = make_post(slug="p")
    cat = Category.objects.create(name="C", slug="c")
    post.categories.add(cat)
    site_feeds = {
        ("application/rss+xml", f"{SITE}/feed/"),
        ("application/atom+xml", f"{SITE}/feed/atom/"),
    }
    for url in ["/", post.get_absolute_url(), "/search/?q=x", "/2024/", "/author/ana/"]:
        assert site_feeds <= alternates(html(client.get(url))), url
    category_page = alternates(html(client.get("/category/c/")))
    assert ("application/rss+xml", f"{SITE}/category/c/feed/") in category_page
    assert ("application/atom+xml", f"{SITE}/category/c/feed/atom/") in category_page


# --- a post -----------------------------------------------------------------------------------


def test_post_page_shows_content_place_author_box_and_neighbours(client, make_post, author):
    author.bio = "I *teach* and learn."
    author.website = "https://ana.example.net/"
    author.save()
    base = dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC)
    before = make_post("Before", slug="before", when=base)
    post = make_post("Middle", slug="middle", when=base + dt.timedelta(days=1), body="**bold**")
    after = make_post("After", slug="after", when=base + dt.timedelta(days=2))
    response = client.get("/2024/01/02/middle/")
    body = html(response)
    assert "<strong>bold</strong>" in body
    assert "post 2 in Ana Lima’s story" in body
    assert f'rel="prev" href="{before.get_absolute_url()}"' in body
    assert f'rel="next" href="{after.get_absolute_url()}"' in body
    entry = find(mf2(response, url=SITE + post.get_absolute_url())["items"], "h-entry")[0]
    assert entry["properties"]["content"][0]["html"].strip() == "<p><strong>bold</strong></p>"
    cards = [a for a in entry["properties"]["author"] if isinstance(a, dict)]
    box = next(c for c in cards if "note" in c["properties"])
    assert box["properties"]["name"] == ["Ana Lima"]
    assert box["properties"]["url"][0] == f"{SITE}/author/ana/"
    assert box["properties"]["photo"][0]["value"] == f"{SITE}/avatar/ana.svg"
    assert box["properties"]["note"] == ["I teach and learn."]
    assert "<p>I <em>teach</em> and learn.</p>" in body  # the bio's Markdown, sanitised


def test_unpublished_posts_are_not_found(client, make_post):
    future = timezone.now() + dt.timedelta(days=3)
    for status, when in [
        ("draft", None),
        ("private", None),
        ("scheduled", future),
        ("published", future),
    ]:
        post = make_post(status=status, when=when or dt.datetime(2024, 2, 2, tzinfo=dt.UTC))
        response = client.get(post.get_absolute_url())
        assert response.status_code == 404, status
        assert "There is nothing at this address" in response.content.decode()


def test_private_posts_show_to_their_author_and_staff_only(
    client, make_post, author, other_author, django_user_model
):
    post = make_post("Diary", status="private", body="just for me")
    page = make_post("Notes", status="private", post_type="page", slug="notes")
    staff = django_user_model.objects.create_user(username="boss", is_staff=True)
    for viewer, expected in [(None, 404), (other_author, 404), (author, 200), (staff, 200)]:
        client.logout()
        if viewer:
            client.force_login(viewer)
        for item in [post, page]:
            response = client.get(item.get_absolute_url())
            assert response.status_code == expected, (viewer, item)
            if expected == 200:
                assert '<span class="badge">Private</span>' in html(response)
    client.force_login(author)
    body = html(client.get(make_post("Open").get_absolute_url()))
    assert '<span class="badge">Private</span>' not in body


def test_wrong_date_or_impossible_date_is_404(client, make_post):
    make_post(slug="hello", when=dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC))
    assert client.get("/2024/03/05/hello/").status_code == 200
    assert client.get("/2024/03/06/hello/").status_code == 404
    assert client.get("/2024/02/31/hello/").status_code == 404
    assert client.get("/2024/13/01/hello/").status_code == 404


@pytest.mark.parametrize("url", ["/9999/", "/9999/12/", "/9999/12/31/", "/0000/"])
def test_archives_at_the_ends_of_the_calendar_are_404(client, url):
    assert client.get(url).status_code == 404


def test_a_post_dated_on_the_last_day_of_year_9999_is_404_not_an_error(client, make_post):
    """Scheduled that far ahead (before the editor refused such dates): not public, not a 500."""
    make_post(slug="end", when=dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC))
    assert Post.objects.published_on(9999, 12, 31).count() == 1
    assert client.get("/9999/12/31/end/").status_code == 404


def test_same_slug_on_two_dates_are_two_posts(client, make_post):
    make_post("One", slug="notes", when=dt.datetime(2024, 3, 5, tzinfo=dt.UTC))
    make_post("Two", slug="notes", when=dt.datetime(2024, 4, 5, tzinfo=dt.UTC))
    assert "One" in html(client.get("/2024/03/05/notes/"))
    assert "Two" in html(client.get("/2024/04/05/notes/"))


def test_local_time_zone_for_dates_and_permalinks(client, settings, make_post):
    settings.TIME_ZONE = "Europe/Paris"
    make_post("Late", slug="late", when=dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.UTC))
    assert client.get("/2024/03/05/late/").status_code == 404
    body = html(client.get("/2024/03/06/late/"))
    assert "6 March 2024, 00:30" in body
    assert 'datetime="2024-03-06T00:30:00+01:00"' in body
    assert "Late" in html(client.get("/2024/03/06/"))
    assert "Late" not in html(client.get("/2024/03/05/"))


def test_titles_and_names_are_escaped(client, make_post, author):
    author.display_name = "<img src=x onerror=alert(1)>"
    author.save()
    post = make_post("<script>alert('t')</script>", slug="x")
    for url in ["/", post.get_absolute_url(), "/author/ana/"]:
        body = html(client.get(url))
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body or "&lt;img" in body


# --- protected posts --------------------------------------------------------------------------


def test_protected_post_needs_its_password(client, make_post):
    post = make_post("Locked", slug="locked", password="sesame", body="the secret")
    url = post.get_absolute_url()
    body = html(client.get(url))
    assert "the secret" not in body
    assert 'name="post_password"' in body and 'for="post-password-' in body
    assert "the secret" not in html(client.get("/"))
    wrong = client.post(f"/protected/{post.pk}/", {"post_password": "nope"})
    assert wrong["Location"] == url + "#post-password"
    shown = html(client.get(url))
    form = shown[shown.index('<form class="post-password"') :]
    assert "That password is not right." in form[: form.index("</form>")]
    assert shown.count("That password is not right.") == 1 and "the secret" not in shown
    assert 'aria-invalid="true"' in form
    assert "That password is not right." not in html(client.get(url))  # shown once
    right = client.post(f"/protected/{post.pk}/", {"post_password": "sesame"})
    assert right.status_code == 302 and right["Location"] == url
    assert "the secret" in html(client.get(url))


def test_protected_post_hides_its_comment_thread_until_unlocked(client, make_post):
    post = make_post("Locked", slug="locked2", password="sesame")
    assert 'id="comments"' not in html(client.get(post.get_absolute_url()))
    client.post(f"/protected/{post.pk}/", {"post_password": "sesame"})
    assert 'id="comments"' in html(client.get(post.get_absolute_url()))


def test_unlock_refuses_drafts_and_gets(client, make_post):
    draft = make_post(status="draft", password="x")
    assert client.post(f"/protected/{draft.pk}/", {"post_password": "x"}).status_code == 404
    assert client.get(f"/protected/{draft.pk}/").status_code == 405


# --- pages ------------------------------------------------------------------------------------


def test_nested_pages_and_archives_are_not_shadowed(client, author, make_post):
    about = Post.objects.create(
        post_type="page", title="About", slug="about", body="About us", status="published",
        published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), author=author,
    )  # fmt: skip
    team = Post.objects.create(
        post_type="page", title="Team", slug="team", body="The team", parent=about,
        status="published", published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), author=author,
    )  # fmt: skip
    Post.objects.create(
        post_type="page", title="Year page", slug="2024", body="a page named like a year",
        status="published", published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    make_post("A post of 2024", when=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert "About us" in html(client.get("/about/"))
    assert 'href="/about/team/"' in html(client.get("/about/"))
    assert "The team" in html(client.get("/about/team/"))
    assert client.get("/team/").status_code == 404  # only at its full path
    assert client.get("/other/team/").status_code == 404
    year = html(client.get("/2024/"))
    assert "A post of 2024" in year and "a page named like a year" not in year
    team.status = "draft"
    team.save()
    assert client.get("/about/team/").status_code == 404


# --- archives ---------------------------------------------------------------------------------


def test_nested_category_archive_includes_children(client, make_post):
    parent = Category.objects.create(name="Learning", slug="learning")
    child = Category.objects.create(name="MOOCs", slug="moocs", parent=parent)
    in_parent = make_post("In parent")
    in_parent.categories.add(parent)
    in_child = make_post("In child")
    in_child.categories.add(child)
    make_post("Elsewhere")
    child_page = html(client.get("/category/learning/moocs/"))
    assert "In child" in child_page and "In parent" not in child_page
    parent_page = html(client.get("/category/learning/"))
    assert "In child" in parent_page and "In parent" in parent_page
    assert "Elsewhere" not in parent_page
    moved = client.get("/category/moocs/")
    assert moved.status_code == 301 and moved["Location"] == "/category/learning/moocs/"
    assert client.get("/category/nothing/").status_code == 404


def test_tag_and_author_archives(client, make_post, other_author, django_user_model):
    tagged = make_post("Tagged")
    tagged.tags.add("Open Education")
    make_post("By Bo", author=other_author)
    body = html(client.get("/tag/open-education/"))
    assert "Tagged" in body and "By Bo" not in body
    assert client.get("/tag/nope/").status_code == 404
    bo = html(client.get("/author/bo/"))
    assert "By Bo" in bo and "Tagged" not in bo
    django_user_model.objects.create(username="reader")
    assert client.get("/author/reader/").status_code == 404  # no posts, not an author


def test_author_page_is_an_h_card_with_an_h_feed(client, make_post, author):
    author.links = ["https://social.example/@ana"]
    author.save()
    make_post("Mine")
    parsed = mf2(client.get("/author/ana/"))
    card = find(parsed["items"], "h-card")[0]
    assert card["properties"]["name"] == ["Ana Lima"]
    assert "https://social.example/@ana" in card["properties"]["url"]
    assert parsed["rels"]["me"] == ["https://social.example/@ana"]
    feed = find(parsed["items"], "h-feed")[0]
    assert [e["properties"]["name"] for e in find(feed["children"], "h-entry")] == [["Mine"]]


def test_year_month_day_archives_use_local_dates(client, settings, make_post):
    settings.TIME_ZONE = "America/New_York"
    make_post("NYE", when=dt.datetime(2024, 1, 1, 2, tzinfo=dt.UTC))  # 31 Dec 2023 21:00 local
    make_post("Spring", when=dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC))
    assert "NYE" in html(client.get("/2023/"))
    assert "NYE" not in html(client.get("/2024/"))
    assert "NYE" in html(client.get("/2023/12/31/"))
    march = html(client.get("/2024/03/"))
    assert "Spring" in march and "Archive: March 2024" in march
    assert client.get("/2024/02/30/").status_code == 404


# --- search, robots, sitemap, 404 ---------------------------------------------------------------


def test_search_page_and_wordpress_search_address(client, make_post):
    make_post("Rhizomatic learning", body="Dave Cormier's idea")
    make_post("Other", body="unrelated")
    for response in [
        client.get("/search/", {"q": "rhizomatic"}),
        client.get("/", {"s": "rhizomatic"}),
    ]:
        body = html(response)
        assert "1 result for “rhizomatic”" in body
        assert "Rhizomatic learning" in body and ">Other<" not in body
    assert "0 results" in html(client.get("/search/", {"q": '"unbalanced'}))
    assert "result" not in html(client.get("/search/"))


def test_robots_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {SITE}/sitemap.xml" in response.content.decode().splitlines()


def test_sitemap_lists_public_posts_pages_categories_and_tags(client, make_post, author):
    cat = Category.objects.create(name="C", slug="c")
    Category.objects.create(name="Empty", slug="empty")
    post = make_post(slug="p", when=dt.datetime(2024, 2, 3, tzinfo=dt.UTC))
    post.categories.add(cat)
    post.tags.add("t1")
    make_post(slug="draft", status="draft").tags.add("t2")
    Post.objects.create(
        post_type="page", title="About", slug="about", status="published",
        published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), author=author,
    )  # fmt: skip
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = sorted(root.xpath("//s:url/s:loc/text()", namespaces=ns))
    assert locs == sorted(
        [f"{SITE}/2024/02/03/p/", f"{SITE}/about/", f"{SITE}/category/c/", f"{SITE}/tag/t1/"]
    )


def test_404_page(client):
    response = client.get("/no/such/thing/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Not found</h1>" in body and '<main id="main">' in body


def test_wordpress_paged_home_redirects(client):
    response = client.get("/page/3/")
    assert response.status_code == 301 and response["Location"] == "/?page=3"
    assert client.get("/page/1/")["Location"] == "/"


def test_post_h_entry_has_one_author_the_h_card_with_photo(client, make_post):
    post = make_post(slug="solo")
    entry = find(mf2(client.get(post.get_absolute_url()))["items"], "h-entry")[0]
    authors = entry["properties"]["author"]
    assert len(authors) == 1
    assert authors[0]["properties"]["photo"][0]["value"] == f"{SITE}/avatar/ana.svg"


def test_archives_list_newest_first(client, make_post):
    # Regression: counting comments groups rows, and Meta.ordering does not apply to a GROUP BY,
    # so archives came out in table order.
    cat = Category.objects.create(name="C", slug="c")
    for day in [5, 1, 9, 3]:
        post = make_post(f"Day {day}", when=dt.datetime(2024, 3, day, tzinfo=dt.UTC))
        post.categories.add(cat)
        post.tags.add("t")
    expected = ["Day 9", "Day 5", "Day 3", "Day 1"]
    for url in ["/category/c/", "/tag/t/", "/author/ana/", "/2024/03/", "/2024/"]:
        shown = re.findall(r'class="u-url" href="[^"]+">([^<]+)<', html(client.get(url)))
        assert shown == expected, url


def test_wordpress_feed_addresses(client, make_post):
    make_post()
    assert client.get("/?feed=rss2")["Location"] == "/feed/"
    assert client.get("/?feed=atom")["Location"] == "/feed/atom/"
    assert b"<rss" in client.get("/feed/rss2/").content
    assert client.get("/?feed=comments-rss2")["Location"] == "/comments/feed/"
    assert client.get("/?feed=comments-atom")["Location"] == "/comments/feed/atom/"
    assert client.get("/?feed=nonsense").status_code == 404


def test_wordpress_category_and_tag_query_addresses(client, make_post):
    parent = Category.objects.create(name="Docs", slug="docs", wp_term_id=30)
    child = Category.objects.create(name="Markup", slug="markup", parent=parent, wp_term_id=31)
    make_post().categories.add(child)
    assert client.get("/?cat=31&feed=rss2")["Location"] == "/category/docs/markup/feed/"
    assert client.get("/?cat=31&feed=atom")["Location"] == "/category/docs/markup/feed/atom/"
    assert client.get("/?cat=31")["Location"] == "/category/docs/markup/"
    assert client.get("/?tag=t&feed=rss2")["Location"] == "/tag/t/feed/"
    for unknown in ["/?cat=99&feed=rss2", "/?cat=abc", "/?tag=a/b"]:
        assert client.get(unknown).status_code == 404, unknown


def test_rss2_spelling_of_archive_feeds(client, make_post, author):
    post = make_post()
    post.categories.add(Category.objects.create(name="Markup", slug="markup"))
    post.tags.add("t")
    for url in ["/category/markup/feed/rss2/", "/tag/t/feed/rss2/", "/author/ana/feed/rss2/"]:
        response = client.get(url)
        assert response.status_code == 200 and b"<rss" in response.content, url


@pytest.mark.parametrize("query", ["p=99999", "p=abc", "page_id=99999", "page=999", "page=0"])
def test_unknown_wordpress_query_addresses_are_404(client, make_post, query):
    make_post()
    assert client.get(f"/?{query}").status_code == 404
    assert client.get("/?page=abc").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/a%00b/", "/tag/a%00/", "/author/a%00/", "/category/a%00/", "/2024/01/01/a%00/",
        "/author/a%00/feed/", "/tag/x%00/feed/", "/search/?q=a%00b", "/?s=x%00y",
    ],
)  # fmt: skip
def test_a_nul_in_the_address_is_not_an_error(client, url):
    # Regression (seen on PostgreSQL, which refuses NUL in a query): these answered 500.
    assert client.get(url).status_code in {200, 404}


def test_cached_listing_entries_follow_every_change(client, make_post, author):
    # Entries of listings are cached under a key made of what they show: nothing may go stale.
    cat = Category.objects.create(name="Old name", slug="cat")
    post = make_post("Cached", slug="cached", excerpt="First summary")
    post.categories.add(cat)
    assert "Old name" in html(client.get("/"))
    cat.name = "New name"
    services.save_category(cat)  # as the admin does: the footer's navigation follows too
    author.display_name = "Ana Renamed"
    author.save()
    Comment.objects.create(post=post, state="approved", content="x")
    Post.objects.filter(pk=post.pk).update(excerpt="Second summary")  # no save(), no updated_at
    post.tags.add("fresh")
    body = html(client.get("/"))
    for shown in ["New name", "Ana Renamed", "1 comment", "Second summary", "#fresh"]:
        assert shown in body, shown
    assert "Old name" not in body and "First summary" not in body


def test_site_navigation_links_pages_categories_and_years(client, make_post, author):
    def page(title, order, status="published", **fields):
        return Post.objects.create(
            post_type="page", title=title, slug=title.lower(), status=status,
            published_at=timezone.now() - dt.timedelta(days=1), menu_order=order, author=author,
            **fields,
        )  # fmt: skip

    about = page("About", 2)
    page("Contact", 1)
    page("Team", 0, parent=about)
    page("Hidden", 0, status="draft")
    Category.objects.create(name="Learning", slug="learning")
    make_post(when=dt.datetime(2023, 5, 1, tzinfo=dt.UTC))
    make_post(when=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    body = html(client.get("/2024/"))
    nav = body[body.index('aria-label="Site"') : body.index("</nav>")]
    assert re.findall(r'<a href="(/[^"]*)">', nav)[:3] == ["/", "/contact/", "/about/"]
    assert "Team" not in nav and "Hidden" not in nav
    footer = body[body.index('class="site-footer"') :]
    assert '<a href="/category/learning/">Learning</a>' in footer
    assert re.findall(r'<a href="(/\d{4}/)">', footer) == ["/2024/", "/2023/"]


def test_favicon_is_no_content(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 204 and "max-age" in response["Cache-Control"]


def _post_with_comments(make_post, author, n: int):
    """A post between two others, a page and a category, with n approved comments (every
    third one a reply to the one before it) and a like."""
    make_post(when=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    post = make_post("Busy", slug="busy", when=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    make_post(when=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    services.publish_post(Post(post_type="page", title="About", author=author))
    services.save_category(Category(name="Learning", slug="learning"))
    post.categories.add(Category.objects.get())
    post.tags.add("notes")
    previous = None
    for i in range(n):
        parent = previous if i % 3 == 2 else None
        previous = Comment.objects.create(
            post=post, parent=parent, state="approved", author_name=f"Reader {i}",
            author_email=f"r{i}@example.net", content=f"<p>Comment {i}.</p>",
        )  # fmt: skip
    Comment.objects.create(post=post, state="approved", comment_type="like", author_name="Fan")
    CommentSettings.load()  # the rules' row exists, as on any site that took a comment
    return post


@pytest.mark.parametrize("n", [10, 50])
def test_the_post_page_asks_the_same_few_queries_whatever_its_comments(
    client, make_post, author, n
):
    """No query per comment. Pinned: the first view (empty cache) asks 11: the post, its
    categories, tags and approved comments and responses (4), the navigation (3), the previous
    and next posts and the post's number (3), the comment rules (1). Later views take the
    navigation and the neighbours from the cache: 5."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post = _post_with_comments(make_post, author, n)
    cache.clear()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(post.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))
        doc = lxml.html.fromstring(html(response))
        assert len(doc.xpath("//li[contains(@class, 'comment depth-')]")) == n
        assert len(doc.xpath("//*[contains(@class, 'children')]/li")) == n // 3
        assert doc.xpath("//a[@rel='prev']") and doc.xpath("//a[@rel='next']")
        assert doc.xpath("//nav[@aria-label='Site']//a[text()='About']")
        assert doc.xpath("//ul[contains(@class, 'likes')]/li")
    assert counts == [11, 5]


def test_the_home_page_asks_the_same_few_queries_whatever_its_entries(client, make_post):
    """No query per entry (categories with their parents, tags, counts, no deferred body read
    back). Pinned: the page's count, the posts, their categories, their tags (4); 3 more for
    the navigation on a cold cache."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent = Category.objects.create(name="Parent", slug="parent")
    child = Category.objects.create(name="Child", slug="child", parent=parent)
    for i in range(12):
        post = make_post(excerpt="" if i % 2 else f"Excerpt {i}")
        post.categories.add(child if i % 2 else parent)
        post.tags.add(f"tag{i % 3}")
        Comment.objects.create(post=post, state="approved", content="<p>Hi.</p>")
    cache.clear()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            doc = lxml.html.fromstring(html(client.get("/")))
        counts.append(len(queries))
        assert len(doc.xpath("//article[contains(@class, 'h-entry')]")) == 10
        assert len(doc.xpath("//a[@href='/category/parent/child/']")) == 5
        assert len(doc.xpath("//a[@rel='tag']")) == 10
    assert counts == [7, 4]
