"""The trash over HTTP: a trashed post's address answers 410 until it is restored, every public
listing leaves it out, and the editor's list of posts shows the views by status with their
counts, Move to trash with Undo, Restore, Delete permanently and Empty Trash."""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import lxml.html
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from lxml import etree

from plnet.conversation.models import Comment
from plnet.publishing import services
from plnet.publishing.models import Category, LegacyURL, Post, Tombstone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]
WORD = "zygomorphic"  # in the trashed post only


@pytest.fixture
def writer(client, author):
    client.force_login(author)
    return client


def doc(response):
    return lxml.html.fromstring(response.content.decode())


def tabs(response) -> dict[str, int]:
    """The list's views by status as shown: {"All": 4, "Trash": 1, …}."""
    found = {}
    for a in doc(response).xpath("//ul[@class='post-views']//a"):
        label, count = re.fullmatch(r"(.+) \((\d+)\)", " ".join(a.text_content().split())).groups()
        found[label] = int(count)
    return found


def current_tab(response) -> str:
    return doc(response).xpath("//ul[@class='post-views']//a[@aria-current='page']")[0].text.strip()


# --- the public side -----------------------------------------------------------------------------


def test_a_trashed_post_answers_410_and_200_again_once_restored(client, make_post):
    post = make_post("Second thoughts")
    Comment.objects.create(post=post, author_name="Bo", content="<p>Well put</p>", state="approved")
    url = post.get_absolute_url()
    services.trash_post(post)
    gone = client.get(url)
    assert gone.status_code == 410 and "Gone" in gone.content.decode()
    services.restore_post(post)
    back = client.get(url)
    assert back.status_code == 200
    assert "Well put" in back.content.decode()  # with its comments


def test_a_trashed_page_and_the_old_urls_of_a_trashed_post_answer_410(client, make_post):
    page = make_post("About", post_type="page", slug="about")
    post = make_post("Imported")
    LegacyURL.objects.create(path="/?p=77", post=post)
    assert client.get("/?p=77").status_code == 301
    services.trash_post(page)
    services.trash_post(post)
    assert client.get("/about/").status_code == 410
    assert client.get("/?p=77").status_code == 410
    services.restore_post(page)
    assert client.get("/about/").status_code == 200


def test_its_author_opening_a_trashed_post_is_offered_restore_and_the_trash(
    client, make_post, author, other_author
):
    """Regression: the author got the public 410 saying the post had been "deleted", with no
    way back. Whoever may edit it is told it is in the Trash, with Restore (a POST) and a link
    to the Trash; anyone else, that it is no longer available (not "deleted": it may return)."""
    post = make_post("Second thoughts")
    url = post.get_absolute_url()
    services.trash_post(post)

    client.force_login(author)
    mine = client.get(url)
    assert mine.status_code == 410
    page = doc(mine)
    assert "“Second thoughts” is in the Trash" in " ".join(page.text_content().split())
    form = page.xpath(f"//form[@action='/write/{post.pk}/restore/']")[0]
    assert form.get("method") == "post" and form.xpath("string(.//button)") == "Restore"
    assert page.xpath("//a[@href='/write/posts/?status=trash']")
    assert "deleted" not in mine.content.decode()
    restored = client.post(form.get("action"))
    assert restored.status_code == 302 and client.get(url).status_code == 200

    services.trash_post(post)
    for visitor in (other_author, None):  # another writer who may not edit it, a reader
        client.logout()
        if visitor:
            client.force_login(visitor)
        theirs = client.get(url)
        text = " ".join(doc(theirs).text_content().split())
        assert theirs.status_code == 410 and "is no longer available" in text
        assert "deleted" not in text and "Restore" not in text and "Trash" not in text
    services.delete_post(post)
    assert "has been deleted by its author" in client.get(url).content.decode()


def test_a_trashed_draft_is_just_missing(client, make_post, author):
    draft = make_post("Unfinished", status=Post.Status.DRAFT)
    services.trash_post(draft)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(author)  # its author does not see it either
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_listings_feeds_search_sitemap_and_counts_leave_the_trashed_post_out(client, make_post):
    cat = Category.objects.create(name="Botany", slug="botany")
    kept = make_post("Kept post", when=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    post = make_post(
        "Trashed post", body=f"A {WORD} flower.", when=dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    )
    for p in (kept, post):
        p.categories.add(cat)
        p.tags.add("flowers")
    Comment.objects.create(post=post, author_name="Bo", content="<p>Lovely</p>", state="approved")
    pages = [
        "/", "/2024/", "/2024/05/", "/2024/05/02/", "/category/botany/", "/tag/flowers/",
        "/author/ana/", f"/search/?q={WORD}", "/feed/", "/feed/atom/", "/category/botany/feed/",
        "/tag/flowers/feed/", "/author/ana/feed/", "/sitemap.xml", "/comments/feed/",
    ]  # fmt: skip

    def shown():
        found = set()
        for url in pages:
            response = client.get(url)
            assert response.status_code in {200, 404}, url
            text = response.content.decode()
            if "Trashed post" in text or "Lovely" in text or post.get_absolute_url() in text:
                found.add(url)
        return found

    assert shown() == set(pages)  # every one of them shows it, first

    def category_count():
        tree = doc(client.get("/category/"))
        return tree.xpath("string(//ul[@class='category-tree']/li[a='Botany']/span)")

    assert category_count() == "(2 posts)"
    services.trash_post(post)
    assert shown() == set()
    feed = feedparser.parse(client.get("/feed/").content)
    assert [e.title for e in feed.entries] == ["Kept post"]
    sitemap = etree.fromstring(client.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert post.get_absolute_url() not in " ".join(sitemap.xpath("//s:loc/text()", namespaces=ns))
    assert category_count() == "(1 post)"
    assert "0 results" in client.get("/search/", {"q": WORD}).content.decode()


# --- the editor's list ---------------------------------------------------------------------------


def test_the_list_shows_each_status_with_its_count(writer, make_post, other_author):
    later = timezone.now() + dt.timedelta(days=3)
    for n in range(2):
        make_post(f"Live {n}")
    make_post("Draft", status=Post.Status.DRAFT)
    make_post("Later", status=Post.Status.SCHEDULED, when=later)
    services.trash_post(make_post("Binned"))
    services.trash_post(make_post("Not mine", author=other_author))  # another author's
    response = writer.get("/write/posts/")
    assert tabs(response) == {"All": 4, "Published": 2, "Drafts": 1, "Scheduled": 1, "Trash": 1}
    assert current_tab(response) == "All"
    titles = [a.text for a in doc(response).xpath("//table//td[1]/a")]
    assert sorted(titles) == ["Draft", "Later", "Live 0", "Live 1"]

    trash_view = writer.get("/write/posts/", {"status": "trash"})
    assert current_tab(trash_view) == "Trash"
    rows = doc(trash_view).xpath("//table/tbody/tr")
    assert [r.xpath("string(td[1])").strip() for r in rows] == ["Binned"]
    buttons = [b.text for b in rows[0].xpath(".//button")]
    assert buttons == ["Restore", "Delete permanently"]
    assert doc(trash_view).xpath("//form[@action='/write/posts/empty-trash/']//button")

    drafts = writer.get("/write/posts/", {"status": "draft"})
    assert [a.text for a in doc(drafts).xpath("//table//td[1]/a")] == ["Draft"]
    assert writer.get("/write/posts/", {"status": "bogus"}).status_code == 200  # read as All


def test_editors_count_everyone_s_posts(client, make_post, other_author):
    other_author.user_permissions.add(Permission.objects.get(codename="change_post"))
    make_post("Ana's")
    services.trash_post(make_post("Ana's binned"))
    client.force_login(other_author)
    assert tabs(client.get("/write/posts/")) == {"All": 1, "Published": 1, "Trash": 1}


def test_move_to_trash_from_the_edit_page_then_undo(writer, make_post):
    post = make_post("Oops")
    url = post.get_absolute_url()
    edit = doc(writer.get(f"/write/{post.pk}/"))
    form = edit.xpath(f"//form[@action='/write/{post.pk}/trash/']")[0]
    assert form.get("method") == "post" and form.xpath("string(.//button)").strip() == (
        "Move to trash"
    )
    moved = writer.post(f"/write/{post.pk}/trash/")
    assert moved.status_code == 302 and moved["Location"] == f"/write/posts/?trashed={post.pk}"
    assert Post.objects.get(pk=post.pk).status == "trash"
    listing = writer.get(moved["Location"])
    notice = doc(listing).xpath(f"//form[@action='/write/{post.pk}/restore/']")[0]
    assert " ".join(notice.text_content().split()) == "1 post moved to the Trash. Undo"
    assert notice.xpath("string(.//button)") == "Undo"
    assert writer.get(url).status_code == 410

    undone = writer.post(f"/write/{post.pk}/restore/", {"view": ""})
    assert undone.status_code == 302 and undone["Location"] == "/write/posts/"
    assert Post.objects.get(pk=post.pk).status == "published"
    assert "1 post restored from the Trash." in writer.get("/write/posts/").content.decode()
    assert writer.get(url).status_code == 200
    # the notice is not offered again once the post is out of the trash
    assert not doc(writer.get(moved["Location"])).xpath("//button[.='Undo']")


def test_moving_to_trash_takes_a_post_only(writer, make_post):
    post = make_post("Stay")
    assert writer.get(f"/write/{post.pk}/trash/").status_code == 405
    assert writer.get(f"/write/{post.pk}/restore/").status_code == 405
    assert Post.objects.get(pk=post.pk).status == "published"


def test_a_trashed_post_is_not_edited_until_restored(writer, make_post):
    post = make_post("Binned")
    services.trash_post(post)
    response = writer.get(f"/write/{post.pk}/")
    assert response.status_code == 302 and response["Location"] == "/write/posts/?status=trash"
    assert (
        "is in the Trash: restore it to edit it"
        in writer.get(response["Location"]).content.decode()
    )
    form = doc(writer.get("/write/"))
    assert "trash" not in form.xpath("//select[@name='status']/option/@value")


def test_restore_and_delete_permanently_from_the_trash(writer, make_post):
    back, gone = make_post("Back"), make_post("Gone")
    path = gone.get_absolute_url()
    for post in (back, gone):
        services.trash_post(post)
    restored = writer.post(f"/write/{back.pk}/restore/", {"view": "trash"})
    assert restored["Location"] == "/write/posts/?status=trash"
    assert Post.objects.get(pk=back.pk).status == "published"
    deleted = writer.post(f"/write/{gone.pk}/delete/")
    assert deleted["Location"] == "/write/posts/?status=trash"
    assert not Post.objects.filter(pk=gone.pk).exists()
    assert Tombstone.objects.filter(path=path).exists()
    page = writer.get("/write/posts/?status=trash").content.decode()
    assert "“Gone” permanently deleted." in page and "The Trash is empty." in page
    again = writer.post(f"/write/{back.pk}/restore/", {"view": "trash"})  # not in the trash
    assert "This post is not in the trash." in writer.get(again["Location"]).content.decode()


def test_empty_trash_deletes_only_what_the_writer_may_edit(writer, make_post, other_author):
    mine = [make_post(f"Mine {n}") for n in range(3)]
    theirs = make_post("Theirs", author=other_author)
    live = make_post("Live")
    for post in [*mine, theirs]:
        services.trash_post(post)
    response = writer.post("/write/posts/empty-trash/")
    assert response["Location"] == "/write/posts/?status=trash"
    assert "3 posts permanently deleted." in writer.get(response["Location"]).content.decode()
    assert set(Post.objects.values_list("pk", flat=True)) == {theirs.pk, live.pk}


def test_other_authors_can_neither_trash_restore_nor_delete(client, make_post, other_author):
    post = make_post("Ana's")
    client.force_login(other_author)
    assert client.post(f"/write/{post.pk}/trash/").status_code == 404
    services.trash_post(post)
    assert client.post(f"/write/{post.pk}/restore/").status_code == 404
    assert client.post(f"/write/{post.pk}/delete/").status_code == 404
    client.post("/write/posts/empty-trash/")
    assert Post.objects.get(pk=post.pk).status == "trash"
    assert "Ana" not in client.get(f"/write/posts/?trashed={post.pk}").content.decode()
    other_author.user_permissions.add(Permission.objects.get(codename="change_post"))
    assert client.post(f"/write/{post.pk}/restore/").status_code == 302
    assert Post.objects.get(pk=post.pk).status == "published"


def test_readers_and_visitors_get_nothing(client, make_post, django_user_model):
    post = make_post("Ana's")
    response = client.post(f"/write/{post.pk}/trash/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(django_user_model.objects.create_user("reader", password="x-123-abc"))
    for url in [f"/write/{post.pk}/trash/", "/write/posts/empty-trash/"]:
        assert client.post(url).status_code == 404
    assert Post.objects.get(pk=post.pk).status == "published"


def test_the_trash_view_pages_keep_their_status(writer, make_post):
    for n in range(12):
        services.trash_post(make_post(f"Binned {n}"))
    page = doc(writer.get("/write/posts/", {"status": "trash"}))
    assert page.xpath("//a[@rel='next']/@href") == ["?status=trash&page=2"]
    second = writer.get("/write/posts/?status=trash&page=2")
    assert len(doc(second).xpath("//table/tbody/tr")) == 2
