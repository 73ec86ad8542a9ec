"""Importing again after working in plnet, or another site's export on top of the first.

A post, page or category is updated only when the export changed since the last import and
nobody changed it here; when both changed, plnet's version is kept and listed as a conflict.
Pages of two imports never share an address.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from plnet.conversation.models import Comment
from plnet.publishing.models import Category, Post
from plnet.publishing.wordpress import import_wxr
from tests.conftest import CORPUS

WXR = CORPUS / "wxr"
MYTHZ = WXR / "real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
THEME = WXR / "theme-test-data/themeunittestdata.wordpress.xml"
SMALL = WXR / "wordpress-importer/small-export.xml"

pytestmark = pytest.mark.django_db


def editor_data(post: Post, **overrides) -> dict:
    """What the editor form posts back for post, with overrides."""
    data = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "excerpt": post.excerpt,
        "tags": "",
        "status": post.status,
        "published_at": "",
        "comment_status": post.comment_status,
    }
    data.update(overrides)
    return data


def newer_export(tmp_path, path, *replacements: tuple[bytes, bytes]):
    """A copy of the corpus file with some text changed, as a newer export would have it."""
    raw = path.read_bytes()
    for old, new in replacements:
        assert raw.count(old) == 1, old
        raw = raw.replace(old, new)
    copy = tmp_path / path.name
    copy.write_bytes(raw)
    return copy


def test_a_draft_published_here_stays_published_after_reimport(admin_client):
    import_wxr(MYTHZ)
    # wp:post_id 415 is a draft in the file ("Code-first REST support in Service Stack")
    draft = Post.objects.get(wp_post_id=415)
    assert draft.status == Post.Status.DRAFT
    response = admin_client.post(f"/write/{draft.pk}/", editor_data(draft, status="published"))
    assert response.status_code == 302
    draft.refresh_from_db()
    url = draft.get_absolute_url()
    assert draft.status == Post.Status.PUBLISHED and admin_client.get(url).status_code == 200

    again = import_wxr(MYTHZ)

    draft.refresh_from_db()
    assert draft.status == Post.Status.PUBLISHED
    assert admin_client.get(url).status_code == 200
    assert (again.updated["post"], again.kept["post"]) == (0, 0)


def test_body_and_title_edited_here_survive_reimport(admin_client):
    import_wxr(THEME)
    post = Post.objects.get(wp_post_id=163)  # "WP 6.1 Font size scale"
    response = admin_client.post(
        f"/write/{post.pk}/", editor_data(post, title="My title", body="<p>MY LOCAL EDIT</p>")
    )
    assert response.status_code == 302

    again = import_wxr(THEME)

    post.refresh_from_db()
    assert (post.title, post.body) == ("My title", "<p>MY LOCAL EDIT</p>")
    assert sum(again.updated.values()) == 0 and sum(again.kept.values()) == 0


def test_a_newer_export_updates_what_was_not_edited_here_and_keeps_what_was(admin_client, tmp_path):
    import_wxr(THEME)
    edited = Post.objects.get(wp_post_id=163)
    admin_client.post(f"/write/{edited.pk}/", editor_data(edited, body="<p>MY LOCAL EDIT</p>"))
    newer = newer_export(
        tmp_path,
        THEME,
        (b"<title><![CDATA[WP 6.1 Font size scale]]>", b"<title><![CDATA[Font sizes]]>"),
        (b"<title><![CDATA[WP 6.1 spacing presets]]>", b"<title><![CDATA[Spacing]]>"),
    )

    summary = import_wxr(newer)

    edited.refresh_from_db()
    assert (edited.title, edited.body) == ("WP 6.1 Font size scale", "<p>MY LOCAL EDIT</p>")
    assert Post.objects.get(wp_post_id=150).title == "Spacing"
    assert (summary.updated["post"], summary.kept["post"]) == (1, 1)
    assert summary.conflicts == [
        "post 'WP 6.1 Font size scale' (WordPress id 163): the file changed"
    ]
    text = "\n".join(summary.lines())
    assert "kept your edit" in text and "'WP 6.1 Font size scale'" in text
    # the conflict was settled: the same newer file again changes nothing and reports nothing
    again = import_wxr(newer)
    assert (sum(again.updated.values()), again.conflicts) == (0, [])


def test_posts_imported_before_digests_were_kept_are_not_overwritten(tmp_path):
    import_wxr(THEME)
    Post.objects.update(wp_export_digest="", wp_written_digest="")
    Post.objects.filter(wp_post_id=163).update(title="Renamed here")
    same = import_wxr(THEME)
    assert Post.objects.get(wp_post_id=163).title == "Renamed here"
    assert same.kept["post"] == 1 and same.updated["post"] == 0
    assert Post.objects.exclude(wp_written_digest="").count() == Post.objects.count() - 1


def test_categories_edited_here_are_kept_and_others_follow_a_newer_export(tmp_path):
    import_wxr(SMALL)
    foo = Category.objects.get(slug="foo")
    foo.name = "Foo (renamed here)"
    foo.save()
    newer = newer_export(
        tmp_path,
        SMALL,
        (b"The top-level foo category", b"The top foo"),
        (b"The child foo category", b"The child of bar"),
    )
    assert import_wxr(SMALL).updated["category"] == 0  # the same file: nothing to do

    summary = import_wxr(newer)

    foo.refresh_from_db()
    child = Category.objects.get(slug="foo-bar")
    assert (foo.name, foo.description) == ("Foo (renamed here)", "The top-level foo category")
    assert (child.description, child.parent.slug) == ("The child of bar", "bar")
    assert (summary.updated["category"], summary.kept["category"]) == (1, 1)
    assert summary.conflicts == ["category 'Foo (renamed here)' (foo)"]


def test_a_category_moved_here_keeps_its_parent_on_reimport():
    import_wxr(SMALL)
    child = Category.objects.get(slug="foo-bar")
    child.parent = None
    child.save()
    import_wxr(SMALL)
    child.refresh_from_db()
    assert child.parent is None


def test_a_comment_moderated_here_keeps_its_state_on_reimport():
    import_wxr(MYTHZ)
    comment = Comment.objects.filter(state=Comment.State.APPROVED).order_by("pk").first()
    Comment.objects.filter(pk=comment.pk).update(state=Comment.State.SPAM)
    summary = import_wxr(MYTHZ)
    comment.refresh_from_db()
    assert comment.state == Comment.State.SPAM and summary.created["comment"] == 0


def top_level_pages(path) -> dict[str, int]:
    """slug → wp:post_id of the file's published top-level pages (read with ElementTree)."""
    found = {}
    for item in ET.parse(path).getroot().iter("item"):
        fields = {re.sub(r"^\{.*\}", "", c.tag): (c.text or "") for c in item}
        if (fields["post_type"], fields["status"], fields["post_parent"]) == (
            "page",
            "publish",
            "0",
        ):
            found[fields["post_name"]] = int(fields["post_id"])
    return found


def test_pages_of_two_imports_never_share_an_address(client):
    mythz, theme = top_level_pages(MYTHZ), top_level_pages(THEME)
    shared = sorted(mythz.keys() & theme.keys())
    assert shared == ["about"]
    import_wxr(MYTHZ)

    summary = import_wxr(THEME)

    pages = Post.objects.pages().filter(parent__isnull=True, status="published")
    paths = [p.get_absolute_url() for p in pages]
    assert len(paths) == len(set(paths)) == len(mythz) + len(theme)
    about = Post.objects.get(wp_site__contains="mythz", wp_post_id=mythz["about"])
    tests_page = Post.objects.get(wp_post_id=theme["about"], wp_site__contains="wpthemetestdata")
    assert (about.slug, tests_page.slug) == ("about", "about-2")
    assert summary.notes["page slug 'about' is taken by another page: now 'about-2'"] == 1
    assert "'about' is taken by another page: now 'about-2'" in "\n".join(summary.lines())
    response = client.get("/about/")
    assert response.status_code == 200 and response.context["post"] == about
    assert client.get("/about-2/").context["post"] == tests_page
    old = client.get(f"/mythz_blog/?page_id={mythz['about']}")
    assert (old.status_code, old["Location"]) == (301, "/about/")
    old = client.get(f"/?page_id={theme['about']}")
    assert (old.status_code, old["Location"]) == (301, "/about-2/")
    again = import_wxr(THEME)  # the renamed page keeps its new slug: nothing changes
    assert sum(again.updated.values()) == 0 and sum(again.kept.values()) == 0


def test_a_post_trashed_here_stays_in_the_trash_on_reimport_with_another_author_map(
    django_user_model,
):
    """Only the author mapping changed: the trashed post is left alone and said to be in the
    trash here, not reported as a conflict with a file that did not change."""
    from plnet.publishing.services import trash_post

    import_wxr(THEME)
    post = Post.objects.get(wp_post_id=163)
    trash_post(post)
    django_user_model.objects.create_user("carol")

    summary = import_wxr(THEME, author_map={"themereviewteam": "carol"}, dry_run=True)

    post.refresh_from_db()
    assert post.status == Post.Status.TRASH
    assert summary.in_trash == ["post 'WP 6.1 Font size scale' (WordPress id 163)"]
    assert summary.conflicts == []
    text = "\n".join(summary.lines())
    assert "in the trash here: left alone (1):" in text and "kept your edit" not in text


def test_a_conflict_says_when_only_the_author_mapping_changed(admin_client, django_user_model):
    import_wxr(THEME)
    edited = Post.objects.get(wp_post_id=163)
    admin_client.post(f"/write/{edited.pk}/", editor_data(edited, body="<p>MY LOCAL EDIT</p>"))
    django_user_model.objects.create_user("carol")

    summary = import_wxr(THEME, author_map={"themereviewteam": "carol"})

    assert summary.conflicts == [
        "post 'WP 6.1 Font size scale' (WordPress id 163): the author mapping changed, not the file"
    ]
    edited.refresh_from_db()
    assert edited.body == "<p>MY LOCAL EDIT</p>"


def test_a_post_deleted_here_for_good_is_not_imported_again():
    """Regression: emptying the trash and importing the same file again brought the post back,
    counted as "posts 1 new". A deletion here is remembered by the post's WordPress id."""
    from plnet.publishing.services import delete_post, empty_trash, trash_post

    import_wxr(THEME)
    post = Post.objects.get(wp_post_id=163)
    trash_post(post)
    assert empty_trash(Post.objects.filter(pk=post.pk)) == 1
    page = Post.objects.pages().filter(wp_post_id__isnull=False).first()
    delete_post(page)  # straight from the admin

    again = import_wxr(THEME)

    assert not Post.objects.filter(wp_post_id__in=[163, page.wp_post_id]).exists()
    assert again.created["post"] == again.created["page"] == 0
    assert again.skipped["deleted here: not imported again"] == 2
    assert "2  deleted here: not imported again" in "\n".join(again.lines())
