"""The editor at /write/: who may use it, preview without saving, drafts, publishing, scheduling."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from plnet.publishing import services
from plnet.publishing.models import Category, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


def form_data(**overrides):
    data = {
        "title": "My first post",
        "slug": "",
        "body": "Hello *world*",
        "excerpt": "",
        "tags": "learning, open web",
        "status": "published",
        "published_at": "",
        "comment_status": "open",
    }
    data.update(overrides)
    return data


@pytest.fixture
def writer(client, author):
    client.force_login(author)
    return client


def test_anonymous_is_sent_to_sign_in_and_readers_see_nothing(client, django_user_model):
    response = client.get("/write/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    client.force_login(django_user_model.objects.create_user("reader", password="x-123-abc"))
    for url in ["/write/", "/write/posts/"]:
        assert client.get(url).status_code == 404


def test_every_input_has_a_label(writer):
    Category.objects.create(name="Notes", slug="notes")
    body = writer.get("/write/").content.decode()
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', body)
    assert {"id_title", "id_body", "id_published_at", "id_status", "id_sticky"} <= set(ids)
    assert "id_categories_0" in ids
    assert [i for i in ids if f'for="{i}"' not in body] == []


def test_preview_renders_markdown_without_saving(writer):
    response = writer.post(
        "/write/", form_data(body="Some **bold** <script>alert(1)</script>", preview="1")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Preview (not saved)" in body and "<strong>bold</strong>" in body
    assert "<script>alert" not in body
    assert Post.objects.count() == 0
    assert "Some **bold**" in body  # the form keeps what was typed


def test_preview_comes_before_the_form(writer):
    """Below many category checkboxes the preview was out of sight, thousands of pixels down."""
    Category.objects.bulk_create(Category(name=f"C{i}", slug=f"c{i}") for i in range(100))
    body = writer.post("/write/", form_data(preview="1")).content.decode()
    assert body.index('id="preview-heading"') < body.index('class="editor"')


def test_save_draft_creates_a_private_draft(writer, author):
    cat = Category.objects.create(name="Notes", slug="notes")
    response = writer.post("/write/", form_data(save_draft="1", categories=[cat.pk]))
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/write/{post.pk}/"
    assert (post.status, post.slug, post.author) == ("draft", "my-first-post", author)
    assert sorted(post.tags.names()) == ["learning", "open web"]
    assert list(post.categories.all()) == [cat]
    assert writer.get(post.get_absolute_url()).status_code == 404
    listing = writer.get("/write/posts/").content.decode()
    assert "My first post" in listing and "Draft" in listing


def test_publish_now_runs_the_hook_and_shows_the_post(
    writer, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(services, "on_post_published", published.append)
    with django_capture_on_commit_callbacks(execute=True):
        writer.post("/write/", form_data(save="1"))
    post = Post.objects.get()
    assert post.status == "published" and published == [post.pk]
    assert abs(post.published_at - timezone.now()) < dt.timedelta(minutes=1)
    assert "<em>world</em>" in writer.get(post.get_absolute_url()).content.decode()


def test_future_local_time_schedules_in_utc(writer, settings):
    settings.TIME_ZONE = "Europe/Paris"
    writer.post("/write/", form_data(save="1", published_at="2099-07-01T10:00"))
    post = Post.objects.get()
    assert post.status == "scheduled"
    assert post.published_at == dt.datetime(2099, 7, 1, 8, 0, tzinfo=dt.UTC)  # CEST is UTC+2
    page = writer.get(f"/write/{post.pk}/").content.decode()
    assert 'value="2099-07-01T10:00"' in page  # shown back in local time


def test_scheduled_without_a_date_is_refused_and_nothing_saved(writer):
    response = writer.post("/write/", form_data(status="scheduled", save="1"))
    assert response.status_code == 200
    assert "A scheduled post needs a date and time." in response.content.decode()
    assert Post.objects.count() == 0


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0999-01-01T00:00"])
def test_a_publish_date_past_a_sane_bound_is_refused(writer, when):
    response = writer.post("/write/", form_data(published_at=when, save="1"))
    assert response.status_code == 200
    assert "Choose a date between the years 1000 and 2999." in response.content.decode()
    assert Post.objects.count() == 0


def test_empty_post_is_refused(writer):
    response = writer.post("/write/", form_data(title="", body="", save="1"))
    assert "Write a title or some text first." in response.content.decode()
    assert Post.objects.count() == 0


def test_edit_keeps_the_slug_and_updates_content(writer, make_post):
    post = make_post("Old title", slug="old-title")
    writer.post(
        f"/write/{post.pk}/",
        form_data(title="New title", slug="old-title", body="changed", save="1",
                  published_at=timezone.localtime(post.published_at).strftime("%Y-%m-%dT%H:%M")),
    )  # fmt: skip
    post.refresh_from_db()
    assert (post.title, post.slug, post.body) == ("New title", "old-title", "changed")


def test_authors_cannot_edit_each_others_posts_but_editors_can(client, make_post, other_author):
    post = make_post("Ana's")
    client.force_login(other_author)
    assert client.get(f"/write/{post.pk}/").status_code == 404
    assert client.post(f"/write/{post.pk}/delete/").status_code == 404
    assert "Ana&#x27;s" not in client.get("/write/posts/").content.decode()
    other_author.user_permissions.add(Permission.objects.get(codename="change_post"))
    assert client.get(f"/write/{post.pk}/").status_code == 200


def test_delete_is_from_the_trash_only_and_asks_when_opened(writer, make_post):
    post = make_post("Doomed")
    refused = writer.post(f"/write/{post.pk}/delete/")  # not in the trash: nothing deleted
    assert refused.status_code == 302 and refused["Location"] == f"/write/{post.pk}/"
    assert Post.objects.filter(pk=post.pk).exists()
    services.trash_post(post)
    page = writer.get(f"/write/{post.pk}/delete/").content.decode()
    assert "Delete “Doomed” permanently?" in page
    assert Post.objects.filter(pk=post.pk).exists()
    response = writer.post(f"/write/{post.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/write/posts/?status=trash"
    assert not Post.objects.filter(pk=post.pk).exists()


def test_categories_are_offered_with_their_place_in_the_tree(writer):
    parent = Category.objects.create(name="Learning", slug="learning")
    Category.objects.create(name="MOOCs", slug="moocs", parent=parent)
    assert "Learning › MOOCs" in writer.get("/write/").content.decode()


def test_resaving_keeps_the_stored_seconds(writer, make_post):
    stored = dt.datetime(2024, 2, 3, 10, 15, 42, tzinfo=dt.UTC)
    post = make_post("Imported", slug="imported", when=stored)
    page = writer.get(f"/write/{post.pk}/").content.decode()
    shown = re.search(r'name="published_at" value="([^"]+)"', page).group(1)
    assert shown == "2024-02-03T10:15"
    writer.post(f"/write/{post.pk}/", form_data(title="Imported", slug="imported", save="1",
                                               published_at=shown))  # fmt: skip
    post.refresh_from_db()
    assert post.published_at == stored


def test_preview_of_an_imported_html_post_shows_html(writer, make_post):
    post = make_post("Imported", body="<p>Hello <em>there</em></p>", body_format="html")
    response = writer.post(
        f"/write/{post.pk}/",
        form_data(title="Imported", body="<p>Hello <em>again</em></p>\n\n*not markdown*",
                  preview="1"),
    )  # fmt: skip
    body = response.content.decode()
    assert "its body is HTML" in body
    preview = body.split('id="preview-heading"')[1]
    assert "<em>again</em>" in preview and "*not markdown*" in preview


def test_an_imported_html_body_is_labelled_html_and_stays_html_when_saved(writer, make_post):
    post = make_post("Imported", slug="imported", body="<p>Hi</p>", body_format="html")
    page = writer.get(f"/write/{post.pk}/").content.decode()
    assert re.search(r'<label for="id_body">Body \(HTML\)', page)
    assert "Body (Markdown)" not in page
    body = '<div class="note">*kept as is*</div>\n<p>Two</p>'
    writer.post(f"/write/{post.pk}/", form_data(title="Imported", slug="imported", body=body))
    post.refresh_from_db()
    assert post.body_format == "html" and post.body == body
    assert post.content_html == '<div class="note">*kept as is*</div>\n<p>Two</p>'
    new = writer.get("/write/").content.decode()
    assert re.search(r'<label for="id_body">Body \(Markdown\)', new)


def test_categories_are_sorted_by_their_full_path(writer):
    def make(name, parent=None):
        return Category.objects.create(name=name, slug=name.lower(), parent=parent)

    learning, music = make("Learning"), make("Music")
    make("Zoology", learning)
    moocs = make("MOOCs", learning)
    make("Archive", moocs)
    make("Bach", music)
    make("alpha")
    page = writer.get("/write/").content.decode()
    labels = re.findall(r'<label for="id_categories_\d+"><input[^>]*>\s*([^<]+?)\s*</label>', page)
    assert labels == [
        "alpha",
        "Learning",
        "Learning › MOOCs",
        "Learning › MOOCs › Archive",
        "Learning › Zoology",
        "Music",
        "Music › Bach",
    ]


# --- imported drafts whose date was never set ("floating", post_date_gmt 0000-00-00) ----------


def floating_draft_ids(path) -> set[int]:
    """wp:post_id of the file's draft posts without a GMT date (read with ElementTree)."""
    import xml.etree.ElementTree as ET

    found = set()
    for item in ET.parse(path).getroot().iter("item"):
        fields = {re.sub(r"^\{.*\}", "", c.tag): (c.text or "") for c in item}
        if fields["status"] == "draft" and fields["post_date_gmt"].startswith("0000-00-00"):
            found.add(int(fields["post_id"]))
    return found


@pytest.fixture
def mythz():
    from plnet.publishing.wordpress import import_wxr
    from tests.conftest import CORPUS

    path = CORPUS / "wxr/real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
    import_wxr(path)
    return floating_draft_ids(path)


def test_imported_drafts_without_a_date_are_floating(mythz):
    assert mythz == {264, 415, 746}
    floating = Post.objects.filter(date_floating=True)
    assert set(floating.values_list("wp_post_id", flat=True)) == mythz


def test_publishing_a_floating_draft_in_the_editor_dates_it_now(admin_client, mythz):
    draft = Post.objects.get(wp_post_id=415)
    assert draft.published_at.year == 2010  # the export's placeholder date
    form = admin_client.get(f"/write/{draft.pk}/").content.decode()
    field = re.search(r'<input[^>]*name="published_at"[^>]*>', form).group(0)
    assert "value=" not in field and "2010" not in field
    assert "Not set yet" in form
    before = timezone.now()
    data = {
        "title": draft.title, "slug": "", "body": draft.body, "excerpt": "", "tags": "",
        "status": "published", "published_at": "", "comment_status": "open",
    }  # fmt: skip
    assert admin_client.post(f"/write/{draft.pk}/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and not draft.date_floating
    assert before <= draft.published_at <= timezone.now()
    home = admin_client.get("/").context["page_obj"].object_list
    assert list(home)[0] == draft


def test_a_floating_draft_given_back_its_placeholder_date_is_dated_now(mythz):
    draft = Post.objects.get(wp_post_id=264)
    before = timezone.now()
    services.save_post(draft, status="published", published_at=draft.published_at)  # the admin
    assert before <= draft.published_at and not draft.date_floating


def test_a_floating_draft_given_a_date_keeps_it(mythz):
    draft = Post.objects.get(wp_post_id=746)
    when = dt.datetime(2011, 6, 4, 5, 13, tzinfo=dt.UTC)
    services.save_draft(draft, published_at=when)
    assert (draft.published_at, draft.date_floating) == (when, False)
    services.publish_post(draft, at=when)
    assert (draft.status, draft.published_at) == ("published", when)


# --- the list of posts at /write/posts/ -----------------------------------------------------


def listed_titles(client) -> list[str]:
    return [p.title for p in client.get("/write/posts/").context["page_obj"].object_list]


def test_posts_are_listed_newest_first_drafts_by_when_they_were_modified(writer, make_post):
    make_post("Older", when=dt.datetime(2020, 1, 2, tzinfo=dt.UTC))
    make_post("Newer", when=dt.datetime(2020, 5, 2, tzinfo=dt.UTC))
    make_post("Oldest, made last", when=dt.datetime(2019, 1, 2, tzinfo=dt.UTC))
    make_post("Draft", when=dt.datetime(2001, 1, 1, tzinfo=dt.UTC), status="draft")
    assert listed_titles(writer) == ["Draft", "Newer", "Older", "Oldest, made last"]


def mythz_counts(path) -> dict[str, int]:
    """Posts by dc:creator in the export (read with ElementTree)."""
    import xml.etree.ElementTree as ET
    from collections import Counter

    counts = Counter()
    for item in ET.parse(path).getroot().iter("item"):
        if item.findtext("{http://wordpress.org/export/1.1/}post_type") == "post":
            counts[item.findtext("{http://purl.org/dc/elements/1.1/}creator")] += 1
    return counts


def test_author_map_gives_the_imported_posts_to_an_existing_account(
    writer, author, django_user_model
):
    from django.core.management import call_command

    from tests.conftest import CORPUS

    path = CORPUS / "wxr/real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
    counts = mythz_counts(path)
    assert counts == {"mythz": 26, "admin": 3}
    call_command("import_wordpress", str(path), "--author-map", "mythz=ana", verbosity=0)
    assert not django_user_model.objects.filter(wp_login="mythz").exists()
    assert Post.objects.posts().filter(author=author).count() == 26
    listing = writer.get("/write/posts/")
    assert listing.context["page_obj"].paginator.count == 26
    assert "<h1>Your posts</h1>" in listing.content.decode()


def test_a_reimport_with_an_author_map_moves_posts_not_edited_here(author, django_user_model):
    from plnet.publishing.wordpress import import_wxr
    from tests.conftest import CORPUS

    path = CORPUS / "wxr/real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
    import_wxr(path)
    mythz = django_user_model.objects.get(wp_login="mythz")
    Post.objects.filter(wp_post_id=176).update(title="Edited here")
    summary = import_wxr(path, author_map={"mythz": "ana"})
    assert Post.objects.posts().filter(author=author).count() == 25
    assert Post.objects.get(wp_post_id=176).author == mythz  # an edit here is kept
    assert summary.kept["post"] == 1 and summary.updated["post"] == 25
    with pytest.raises(LookupError):
        import_wxr(path, author_map={"mythz": "nobody"})


def test_editors_see_every_post_with_its_author(client, make_post, author, other_author):
    make_post("Ana's", when=dt.datetime(2020, 1, 2, tzinfo=dt.UTC))
    make_post("Bo's", author=other_author, when=dt.datetime(2020, 1, 3, tzinfo=dt.UTC))
    client.force_login(other_author)
    assert listed_titles(client) == ["Bo's"]
    other_author.user_permissions.add(Permission.objects.get(codename="change_post"))
    response = client.get("/write/posts/")
    assert listed_titles(client) == ["Bo's", "Ana's"]
    html = response.content.decode()
    assert "<h1>Posts</h1>" in html and '<th scope="col">Author</th>' in html
    assert "<td>Ana Lima</td>" in html and "<td>bo</td>" in html


def test_a_slug_already_taken_is_a_form_error_naming_a_free_one(writer, make_post):
    make_post("Teaching with feeds", slug="teaching-with-feeds")
    make_post("Teaching with feeds again", slug="teaching-with-feeds-2")
    response = writer.post("/write/", form_data(title="New", slug="teaching-with-feeds"))
    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == [
        "The post “Teaching with feeds” already has the slug “teaching-with-feeds”: choose"
        " another (“teaching-with-feeds-3” is free)."
    ]
    assert "already has the slug “teaching-with-feeds”" in response.content.decode()
    assert not Post.objects.filter(title="New").exists()
    # its own slug, and a free one, are accepted as typed
    mine = make_post("Mine", slug="mine")
    edit = form_data(title="Mine", slug="mine", body="changed")
    assert writer.post(f"/write/{mine.pk}/", edit).status_code == 302
    assert writer.post("/write/", form_data(title="New", slug="fresh")).status_code == 302
    assert Post.objects.get(title="New").slug == "fresh"


def test_a_slug_held_by_a_post_in_the_trash_says_so_with_a_link_to_the_trash(writer, make_post):
    """Regression: the message said "Another post already has the slug" without saying that
    post was in the Trash (where it keeps its slug, to come back at its address)."""
    from plnet.publishing import services

    services.trash_post(make_post("Slug test one", slug="slug-test"))
    response = writer.post("/write/", form_data(title="New", slug="slug-test"))
    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == [
        'The post “Slug test one” in the <a href="/write/posts/?status=trash">Trash</a> still'
        " has the slug “slug-test”: restore it, delete it permanently to free the slug, or"
        " choose another (“slug-test-2” is free)."
    ]
    assert '<a href="/write/posts/?status=trash">Trash</a> still has' in response.content.decode()
    assert not Post.objects.filter(title="New").exists()
