"""Pages in the writing area: /write/pages/ (the tree, views by status, the trash) and the page
editor (/write/page/ and the editor's address), with the same access rule as posts."""

from __future__ import annotations

import datetime as dt
import re

import lxml.html
import pytest
from django.contrib.auth.models import Permission

from plnet.publishing import services
from plnet.publishing.models import Category, Post

WHEN = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def writer(client, author):
    client.force_login(author)
    return client


@pytest.fixture
def make_page(author):
    """A page made directly (no service), published on WHEN unless told otherwise. Not through
    make_post, whose dates move a day on with every post made in the session."""

    def make(title, *, parent=None, order=0, status=Post.Status.PUBLISHED, **fields):
        fields.setdefault("slug", re.sub(r"\W+", "-", title.lower()).strip("-"))
        fields.setdefault("author", author)
        return Post.objects.create(
            post_type="page", title=title, parent=parent, menu_order=order, status=status,
            published_at=WHEN, body=f"Body of {title}.", **fields,
        )  # fmt: skip

    return make


def doc(response):
    return lxml.html.fromstring(response.content.decode())


def rows(response) -> list[str]:
    """The titles of the list of pages, as shown (with their level's dashes)."""
    cells = doc(response).xpath("//table[contains(@class,'page-list')]//td[@class='page-title']")
    return [" ".join(td.text_content().split()) for td in cells]


def tabs(response) -> dict[str, int]:
    found = {}
    for a in doc(response).xpath("//ul[@class='post-views']//a"):
        label, count = re.fullmatch(r"(.+) \((\d+)\)", " ".join(a.text_content().split())).groups()
        found[label] = int(count)
    return found


def page_data(**overrides) -> dict:
    """What the page editor posts: a published top-level page, unless overridden."""
    data = {
        "title": "A page",
        "slug": "",
        "body": "Some *text*.",
        "parent": "",
        "menu_order": "0",
        "status": "published",
        "published_at": "",
        "password": "",
        "comment_status": "closed",
    }
    data.update(overrides)
    return data


def errors(response) -> str:
    return " ".join(doc(response).xpath("string(//form[@class='editor'])").split())


# --- the list --------------------------------------------------------------------------------


def test_pages_are_listed_as_a_tree_by_order_then_title(writer, make_page, make_post):
    about = make_page("About", order=0)
    team = make_page("Team", parent=about, order=2)
    make_page("Alice", parent=team)
    make_page("Bob", parent=about, order=1)
    make_page("contact", order=0)  # after "About": titles compare without case
    make_page("Zed", order=-1)
    make_post("A post, never a page")

    response = writer.get("/write/pages/")

    assert response.status_code == 200
    assert rows(response) == ["Zed", "About", "— Bob", "— Team", "— — Alice", "contact"]


def test_a_child_whose_parent_is_not_shown_is_listed_at_the_top(writer, make_page):
    about = make_page("About")
    make_page("Draft child", parent=about, status=Post.Status.DRAFT)
    assert rows(writer.get("/write/pages/?status=draft")) == ["Draft child"]
    assert rows(writer.get("/write/pages/")) == ["About", "— Draft child"]


def test_views_by_status_count_pages_only_and_hide_empty_ones(writer, make_page, make_post):
    make_page("One")
    make_page("Two")
    make_page("Plan", status=Post.Status.DRAFT)
    make_page("Mine", status=Post.Status.PRIVATE)
    services.trash_post(make_page("Old"))
    make_post("Post draft", status=Post.Status.DRAFT)
    services.trash_post(make_post("Binned post"))

    response = writer.get("/write/pages/")

    assert tabs(response) == {"All": 4, "Published": 2, "Drafts": 1, "Private": 1, "Trash": 1}
    assert rows(writer.get("/write/pages/?status=trash")) == ["Old"]
    assert rows(writer.get("/write/pages/?status=private")) == ["Mine"]


def test_each_row_offers_edit_view_and_trash(writer, make_page):
    about = make_page("About")
    draft = make_page("Plan", status=Post.Status.DRAFT)
    page = doc(writer.get("/write/pages/"))
    assert page.xpath("//a[.='Edit']/@href") == [f"/write/{about.pk}/", f"/write/{draft.pk}/"]
    assert page.xpath("//a[.='View']/@href") == ["/about/"]  # a draft has nothing to view
    assert page.xpath("//form[.//button[.='Trash']]/@action") == [
        f"/write/{about.pk}/trash/",
        f"/write/{draft.pk}/trash/",
    ]


# --- who may -----------------------------------------------------------------------------------


def test_authors_see_and_edit_their_own_pages_only(writer, make_page, other_author):
    mine = make_page("Mine")
    theirs = make_page("Theirs", author=other_author)
    assert rows(writer.get("/write/pages/")) == ["Mine"]
    assert writer.get(f"/write/{theirs.pk}/").status_code == 404
    assert writer.post(f"/write/{theirs.pk}/", page_data(title="Taken")).status_code == 404
    assert writer.post(f"/write/{theirs.pk}/trash/").status_code == 404
    assert Post.objects.get(pk=theirs.pk).status == Post.Status.PUBLISHED
    assert writer.get(f"/write/{mine.pk}/").status_code == 200


def test_editors_see_and_edit_everyone_s_pages(client, make_page, other_author, author):
    make_page("Ana's")
    theirs = make_page("Bo's", author=author)
    other_author.user_permissions.add(Permission.objects.get(codename="change_post"))
    client.force_login(other_author)
    response = client.get("/write/pages/")
    assert rows(response) == ["Ana's", "Bo's"]
    assert doc(response).xpath("//h1")[0].text_content() == "Pages"
    saved = client.post(f"/write/{theirs.pk}/", page_data(title="Bo's, edited", slug="bo-s"))
    assert saved.status_code == 302
    assert Post.objects.get(pk=theirs.pk).title == "Bo's, edited"


def test_people_who_may_not_write_get_nothing(client, django_user_model, make_page):
    page = make_page("About")
    assert client.get("/write/pages/")["Location"].startswith("/login/")
    assert client.get("/write/page/")["Location"].startswith("/login/")
    reader = django_user_model.objects.create_user(username="reader", password="pw-r-12345!")
    client.force_login(reader)
    assert client.get("/write/pages/").status_code == 404
    assert client.get("/write/page/").status_code == 404
    assert client.post("/write/page/", page_data()).status_code == 404
    assert client.get(f"/write/{page.pk}/").status_code == 404
    assert Post.objects.pages().count() == 1


# --- writing a page ----------------------------------------------------------------------------


def test_the_page_form_has_parent_and_order_and_no_categories_or_tags(writer, make_page):
    Category.objects.create(name="Learning", slug="learning")
    form = doc(writer.get("/write/page/")).xpath("//form[@class='editor']")[0]
    names = set(form.xpath(".//*[@name]/@name"))
    assert {"title", "slug", "body", "parent", "menu_order", "status", "password"} <= names
    assert not names & {"categories", "tags", "sticky", "excerpt"}
    for name in ["parent", "menu_order", "password"]:  # every input has its label
        field_id = form.xpath(f".//*[@name='{name}']/@id")[0]
        assert form.xpath(f".//label[@for='{field_id}']")
    assert "trash" not in form.xpath(".//select[@name='status']/option/@value")
    assert doc(writer.get("/write/")).xpath("//input[@name='categories']")  # posts keep them


def test_create_a_child_page_with_its_order(writer, make_page, author):
    about = make_page("About")
    response = writer.post(
        "/write/page/", page_data(title="Our team", parent=str(about.pk), menu_order="3")
    )
    page = Post.objects.pages().get(title="Our team")
    assert response.status_code == 302 and response["Location"] == f"/write/{page.pk}/"
    assert (page.parent, page.menu_order, page.slug) == (about, 3, "our-team")
    assert (page.author, page.status, page.body_format) == (author, "published", "markdown")
    shown = writer.get("/about/our-team/")
    assert shown.status_code == 200
    assert "<em>text</em>" in shown.content.decode()
    assert rows(writer.get("/write/pages/")) == ["About", "— Our team"]


def test_a_draft_page_is_saved_as_a_draft(writer):
    writer.post("/write/page/", page_data(title="Later", save_draft="1"))
    page = Post.objects.pages().get(title="Later")
    assert page.status == Post.Status.DRAFT and page.published_at is None


def test_move_a_page_under_another_and_its_address_follows(writer, make_page):
    about, team = make_page("About"), make_page("Team")
    response = writer.post(
        f"/write/{team.pk}/", page_data(title="Team", slug="team", parent=str(about.pk))
    )
    assert response.status_code == 302
    assert writer.get("/about/team/").status_code == 200
    assert writer.get("/team/", follow=False).status_code == 301  # the old address moved


def test_the_parent_menu_is_indented_and_leaves_out_the_page_and_its_subpages(writer, make_page):
    about = make_page("About")
    team = make_page("Team", parent=about)
    alice = make_page("Alice", parent=team)
    contact = make_page("Contact")
    services.trash_post(make_page("Binned"))

    def options(url):
        select = doc(writer.get(url)).xpath("//select[@name='parent']")[0]
        return [(o.get("value"), o.text) for o in select.xpath("./option")]

    empty = ("", "(no parent: a top-level page)")
    assert options("/write/page/") == [
        empty,
        (str(about.pk), "About"),
        (str(team.pk), "— Team"),
        (str(alice.pk), "— — Alice"),
        (str(contact.pk), "Contact"),
    ]
    assert options(f"/write/{team.pk}/") == [empty, (str(about.pk), "About"), (str(contact.pk), "Contact")]  # fmt: skip


@pytest.mark.parametrize("under", ["itself", "its grandchild"])
def test_a_cycle_of_parents_is_refused_with_a_message(writer, make_page, under):
    about = make_page("About")
    alice = make_page("Alice", parent=make_page("Team", parent=about))
    parent = about if under == "itself" else alice
    response = writer.post(
        f"/write/{about.pk}/", page_data(title="About", slug="about", parent=str(parent.pk))
    )
    assert response.status_code == 200
    message = (
        "A page cannot be its own parent."
        if under == "itself"
        else "“Alice” is under this page: a page cannot be placed under one of its own subpages."
    )
    assert message in errors(response)
    about.refresh_from_db()
    assert about.parent is None


@pytest.mark.parametrize("slug", ["feed", "write", "category", "2020", "page2"])
def test_a_top_level_page_may_not_take_one_of_the_site_s_addresses(writer, slug):
    response = writer.post("/write/page/", page_data(title="Mine", slug=slug))
    assert response.status_code == 200
    assert f"“{slug}” is one of the site's own addresses: choose another slug." in errors(response)
    assert not Post.objects.pages().exists()


def test_under_a_parent_the_site_s_addresses_are_free(writer, make_page):
    about = make_page("About")
    writer.post("/write/page/", page_data(title="Feed", slug="feed", parent=str(about.pk)))
    assert writer.get("/about/feed/").status_code == 200


def test_a_page_moved_to_the_top_is_refused_a_reserved_slug(writer, make_page):
    nested = make_page("Feed", parent=make_page("About"), slug="feed")
    response = writer.post(f"/write/{nested.pk}/", page_data(title="Feed", slug="feed"))
    assert "“feed” is one of the site's own addresses" in errors(response)
    assert Post.objects.get(pk=nested.pk).parent_id is not None


def test_a_slug_another_page_holds_is_refused_naming_a_free_one(writer, make_page):
    make_page("About")
    response = writer.post("/write/page/", page_data(title="About me", slug="about"))
    assert "The page “About” already has the slug “about”: choose another (“about-2” is free)." in (
        errors(response)
    )


def test_a_slug_a_page_in_the_trash_holds_names_the_trash(writer, make_page):
    from plnet.publishing import services

    services.trash_post(make_page("About"))
    response = writer.post("/write/page/", page_data(title="About me", slug="about"))
    assert "The page “About” in the Trash still has the slug “about”" in errors(response)
    assert '<a href="/write/pages/?status=trash">Trash</a>' in response.content.decode()


def test_a_page_s_password_keeps_its_content_behind_it(writer, client):
    writer.post("/write/page/", page_data(title="Notes", password="open sesame"))
    page = Post.objects.pages().get(title="Notes")
    assert page.password == "open sesame"
    shown = client.get("/notes/").content.decode()
    assert "<em>text</em>" not in shown and 'name="post_password"' in shown


def test_the_site_navigation_shows_a_page_once_published(writer, client):
    assert "Our story" not in client.get("/").content.decode()  # the navigation is cached now
    writer.post("/write/page/", page_data(title="Our story", save_draft="1"))
    assert "Our story" not in client.get("/").content.decode()
    page = Post.objects.pages().get(title="Our story")
    writer.post(f"/write/{page.pk}/", page_data(title="Our story", slug="our-story"))
    nav = doc(client.get("/")).xpath("//nav[@aria-label='Site']//a")
    assert ("Our story", "/our-story/") in [(a.text, a.get("href")) for a in nav]


def test_the_writing_menu_and_the_list_of_posts_link_to_pages(writer):
    menu = doc(writer.get("/write/posts/")).xpath("//nav[@aria-label='Site']//a[.='Pages']/@href")
    assert menu == ["/write/pages/"]
    assert doc(writer.get("/write/posts/")).xpath("//main//a[.='Pages']/@href") == ["/write/pages/"]
    assert doc(writer.get("/write/pages/")).xpath("//main//a[.='Add a new page']/@href") == [
        "/write/page/"
    ]


# --- the trash -----------------------------------------------------------------------------------


def test_move_a_page_to_the_trash_then_undo(writer, make_page, client):
    page = make_page("About")
    moved = writer.post(f"/write/{page.pk}/trash/")
    assert moved["Location"] == f"/write/pages/?trashed={page.pk}"
    assert client.get("/about/").status_code == 410
    listing = writer.get(moved["Location"])
    notice = doc(listing).xpath("//form[contains(@class,'message')]")[0]
    assert " ".join(notice.text_content().split()) == "1 page moved to the Trash. Undo"
    assert notice.get("action") == f"/write/{page.pk}/restore/"

    undone = writer.post(notice.get("action"), {"view": ""})

    assert undone["Location"] == "/write/pages/"
    assert "1 page restored from the Trash." in writer.get("/write/pages/").content.decode()
    assert Post.objects.get(pk=page.pk).status == Post.Status.PUBLISHED
    assert client.get("/about/").status_code == 200


def test_a_trashed_page_is_restored_or_deleted_from_the_pages_trash(writer, make_page, make_post):
    back, gone = make_page("Back"), make_page("Gone")
    services.trash_post(back)
    services.trash_post(gone)
    assert writer.get(f"/write/{back.pk}/")["Location"] == "/write/pages/?status=trash"
    restored = writer.post(f"/write/{back.pk}/restore/", {"view": "trash"})
    assert restored["Location"] == "/write/pages/?status=trash"
    deleted = writer.post(f"/write/{gone.pk}/delete/")
    assert deleted["Location"] == "/write/pages/?status=trash"
    assert list(Post.objects.pages().values_list("title", "status")) == [("Back", "published")]
    confirm = writer.get(f"/write/{make_page('Asked', status='trash').pk}/delete/")
    assert doc(confirm).xpath("//a[.='Keep it in the Trash']/@href") == [
        "/write/pages/?status=trash"
    ]


def test_empty_trash_of_pages_leaves_the_posts_trash_alone(writer, make_page, make_post):
    services.trash_post(make_page("Old page"))
    services.trash_post(make_page("Older page"))
    services.trash_post(make_post("Old post"))
    response = writer.post("/write/pages/empty-trash/")
    assert response["Location"] == "/write/pages/?status=trash"
    assert "2 pages permanently deleted." in writer.get(response["Location"]).content.decode()
    assert list(Post.objects.trashed().values_list("title", flat=True)) == ["Old post"]


def test_deleting_a_page_moves_its_subpages_up_and_keeps_their_addresses(writer, make_page, client):
    about = make_page("About")
    team = make_page("Team", parent=about)
    alice = make_page("Alice", parent=team)
    plan = make_page("Plan", parent=team, status=Post.Status.DRAFT)
    services.trash_post(team)
    writer.post(f"/write/{team.pk}/delete/")

    assert list(Post.objects.filter(pk__in=[alice.pk, plan.pk]).values_list("parent", flat=True)) == [about.pk, about.pk]  # fmt: skip
    assert client.get("/about/alice/").status_code == 200
    moved = client.get("/about/team/alice/")
    assert (moved.status_code, moved["Location"]) == (301, "/about/alice/")
    assert client.get("/about/team/").status_code == 410


def test_a_page_under_a_trashed_parent_keeps_it_when_saved(writer, make_page):
    about = make_page("About")
    team = make_page("Team", parent=about)
    services.trash_post(about)
    form = doc(writer.get(f"/write/{team.pk}/"))
    assert form.xpath("//select[@name='parent']/option[@selected]/text()") == ["About"]
    writer.post(f"/write/{team.pk}/", page_data(title="Team", slug="team", parent=str(about.pk)))
    assert Post.objects.get(pk=team.pk).parent_id == about.pk


def test_a_new_page_has_comments_closed_unless_opened(writer):
    form = doc(writer.get("/write/page/"))
    assert form.xpath("//select[@name='comment_status']/option[@selected]/@value") == ["closed"]
    post_form = doc(writer.get("/write/"))
    assert post_form.xpath("//select[@name='comment_status']/option[@selected]/@value") == ["open"]


def test_the_list_of_pages_costs_the_same_queries_however_deep(writer, make_page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent = make_page("Top")
    writer.get("/write/pages/")  # the site menu is built and kept in the cache
    with CaptureQueriesContext(connection) as few:
        writer.get("/write/pages/")
    for n in range(8):
        parent = make_page(f"Level {n}", parent=parent)
    with CaptureQueriesContext(connection) as many:
        response = writer.get("/write/pages/")
    assert len(rows(response)) == 9
    assert len(many) == len(few), "\n".join(q["sql"][:300] for q in many.captured_queries)
