"""What a reader sees in a real headless Chromium: the home page, then a post."""

from __future__ import annotations

import datetime as dt

import pytest

from plnet.publishing.models import Category, Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blog(django_user_model, settings, live_server):
    settings.SITE_URL = live_server.url
    ana = django_user_model.objects.create_user(
        username="ana", display_name="Ana Lima", bio="I teach and *learn* in public."
    )
    cat = Category.objects.create(name="Reflections", slug="reflections")
    base = dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC)
    posts = []
    for i in range(12):
        posts.append(
            Post.objects.create(
                title=f"Week {i + 1}: notes",
                slug=f"week-{i + 1}",
                body=f"## What I learned\n\nWeek **{i + 1}** was about *networks*.",
                status="published",
                published_at=base + dt.timedelta(days=7 * i),
                author=ana,
            )
        )
    posts[3].sticky = True
    posts[3].save()
    posts[5].categories.add(cat)
    return posts


def test_reader_opens_home_then_a_post(page, live_server, blog, tmp_path):
    page.goto(live_server.url + "/")
    assert page.title() == page.locator(".site-name").inner_text()
    headings = page.locator("main article.h-entry h2").all_inner_texts()
    assert len(headings) == 10
    assert headings[0] == "Week 4: notes"  # the sticky post leads
    assert headings[1] == "Week 12: notes"
    assert page.locator("main article.h-entry").first.locator(".badge").inner_text() == "Featured"
    assert page.get_by_role("link", name="Older →").is_visible()
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.get_by_role("link", name="Week 6: notes").click()
    page.wait_for_url("**/2024/06/05/week-6/")
    assert page.locator("h1.p-name").inner_text() == "Week 6: notes"
    content = page.locator(".e-content")
    assert content.locator("h2").inner_text() == "What I learned"
    assert content.locator("strong").inner_text() == "6"
    assert "post 6 in Ana Lima’s story" in page.locator(".post-number").inner_text()
    box = page.get_by_role("complementary", name="About the author")
    assert box.locator(".p-name").inner_text() == "Ana Lima"
    assert box.locator(".p-note em").inner_text() == "learn"
    avatar = box.locator("img.u-photo")
    assert avatar.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("a[rel=prev]").inner_text().endswith("Week 5: notes")
    assert page.locator("a[rel=next]").inner_text().endswith("Week 7: notes")
    assert page.locator("main").get_by_role("link", name="Reflections").is_visible()
    page.screenshot(path=str(tmp_path / "post.png"), full_page=True)

    page.locator("main").get_by_role("link", name="Reflections").click()
    page.wait_for_url("**/category/reflections/")
    assert page.locator("main h2").all_inner_texts() == ["Week 6: notes"]


def test_reader_searches_from_the_header(page, live_server, blog):
    page.goto(live_server.url + "/")
    page.get_by_label("Search posts").fill("week 11")
    page.get_by_label("Search posts").press("Enter")
    page.wait_for_url("**/search/?q=week+11")
    assert page.get_by_role("status").inner_text() == "1 result for “week 11”."
    assert page.locator("main article h2").all_inner_texts() == ["Week 11: notes"]
    assert page.locator("script").count() == 0  # nothing here needs JavaScript


def test_pages_pass_axe_accessibility_checks(page, live_server, blog, django_user_model):
    from axe_playwright_python.sync_playwright import Axe
    from django.contrib.auth.models import Permission

    axe = Axe()
    writer = django_user_model.objects.create_user(username="w", password="pw-w-12345!")
    writer.user_permissions.add(Permission.objects.get(codename="add_post"))
    locked = blog[0]
    locked.password = "x"
    locked.save()
    public = [
        "/", "/?page=2", "/2024/06/05/week-6/", locked.get_absolute_url(), "/category/reflections/",
        "/author/ana/", "/search/?q=notes", "/2024/", "/no/such/page/", "/login/",
    ]  # fmt: skip
    for path in public:
        page.goto(live_server.url + path)
        results = axe.run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("w")
    page.get_by_label("Password").fill("pw-w-12345!")
    page.get_by_role("button", name="Sign in").click()
    about = Post.objects.create(post_type="page", title="About", slug="about", author=writer)
    Post.objects.create(post_type="page", title="Team", slug="team", parent=about, author=writer)
    for path in ["/write/", "/write/posts/", "/write/pages/", "/write/page/", "/profile/"]:
        page.goto(live_server.url + path)
        results = axe.run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"


def test_nothing_is_wider_than_a_phone_and_the_header_is_spaced(page, live_server, blog):
    """A very long unbroken word (Theme Unit Test) and a wide table stay within 375 px."""
    word = "Titleshouldnotoverflowthecontentarea" * 6
    cells = "".join(f"<td>{word[:40]}{i}</td>" for i in range(8))
    Post.objects.create(
        title=word,
        slug="long",
        body=f"<p>{word}</p><table><tr>{cells}</tr></table>",
        body_format="html",
        status="published",
        published_at=dt.datetime(2024, 8, 1, tzinfo=dt.UTC),
        author=blog[0].author,
    )
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ["/", "/2024/08/01/long/"]:
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    name = page.locator(".site-name a").bounding_box()
    home = page.get_by_role("navigation", name="Site").get_by_role("link", name="Home")
    assert home.bounding_box()["x"] >= name["x"] + name["width"] + 10
