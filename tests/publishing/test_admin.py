"""The Django admin for publishing: pages load, and saving goes through the service."""

from __future__ import annotations

import pytest

from plnet.publishing import services
from plnet.publishing.models import Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1!")
    client.force_login(admin)
    return client, admin


def test_admin_pages_load(admin_client_, make_post):
    client, _ = admin_client_
    post = make_post()
    for url in [
        "/admin/publishing/post/",
        "/admin/publishing/post/?post_type__exact=page&status__exact=draft",
        "/admin/publishing/post/?q=Body",
        "/admin/publishing/post/add/",
        f"/admin/publishing/post/{post.pk}/change/",
        "/admin/publishing/category/",
        "/admin/publishing/attachment/",
        "/admin/publishing/legacyurl/",
    ]:
        assert client.get(url).status_code == 200, url


def test_publishing_in_the_admin_runs_the_hook(
    admin_client_, monkeypatch, django_capture_on_commit_callbacks
):
    client, admin = admin_client_
    published = []
    monkeypatch.setattr(services, "on_post_published", published.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/publishing/post/add/",
            {
                "post_type": "post", "title": "From the admin", "slug": "from-the-admin",
                "body": "hi", "body_format": "markdown", "status": "published",
                "published_at_0": "2024-01-01", "published_at_1": "10:00:00",
                "author": admin.pk, "comment_status": "open", "ping_status": "open",
                "menu_order": 0, "tags": "",
                "legacy_urls-TOTAL_FORMS": 0, "legacy_urls-INITIAL_FORMS": 0,
            },
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.is_public and published == [post.pk]


def admin_page_data(admin, **overrides) -> dict:
    data = {
        "post_type": "page", "title": "About me", "slug": "about", "body": "hi",
        "body_format": "markdown", "status": "published",
        "published_at_0": "2024-01-01", "published_at_1": "10:00:00",
        "author": admin.pk, "comment_status": "open", "ping_status": "open",
        "menu_order": 0, "tags": "",
        "legacy_urls-TOTAL_FORMS": 0, "legacy_urls-INITIAL_FORMS": 0,
    }  # fmt: skip
    return data | overrides


def test_a_slug_another_page_holds_is_refused_with_a_message(admin_client_, make_post):
    client, admin = admin_client_
    make_post("About", post_type="page", slug="about")
    response = client.post("/admin/publishing/post/add/", admin_page_data(admin))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["slug"]
    assert errors == [
        "The page “About” already has the slug “about”: choose another (“about-2” is free)."
    ]
    assert Post.objects.filter(slug="about-2").count() == 0
    assert Post.objects.count() == 1
    # a post may share a page's slug (their addresses differ), and saving a page unchanged is fine
    response = client.post("/admin/publishing/post/add/", admin_page_data(admin, post_type="post"))
    assert response.status_code == 302
    page = Post.objects.get(post_type="page")
    data = admin_page_data(admin, title="About", published_at_0="2024-01-02")
    response = client.post(f"/admin/publishing/post/{page.pk}/change/", data)
    assert response.status_code == 302 and Post.objects.get(pk=page.pk).slug == "about"


def test_a_reserved_page_slug_is_refused_with_a_message(admin_client_):
    client, admin = admin_client_
    response = client.post("/admin/publishing/post/add/", admin_page_data(admin, slug="feed"))
    errors = response.context["adminform"].form.errors["slug"]
    assert errors == ["“feed” is one of the site's own addresses: choose another slug."]
    assert not Post.objects.exists()


def test_pages_go_to_the_trash_and_back_through_the_admin_actions(admin_client_, make_post):
    client, admin = admin_client_
    page = make_post("About", post_type="page", slug="about")
    post = make_post("Notes")
    changelist = "/admin/publishing/post/"
    response = client.post(
        changelist, {"action": "move_to_trash", "_selected_action": [page.pk, post.pk]}
    )
    assert response.status_code == 302
    assert set(Post.objects.values_list("status", flat=True)) == {"trash"}
    assert client.get("/about/").status_code == 410
    assert client.get(changelist + "?status__exact=trash").status_code == 200
    client.post(changelist, {"action": "restore_from_trash", "_selected_action": [page.pk]})
    assert Post.objects.get(pk=page.pk).status == "published"
    assert client.get("/about/").status_code == 200
    assert Post.objects.get(pk=post.pk).status == "trash"


def test_the_admin_status_menu_neither_trashes_nor_restores(admin_client_, make_post):
    client, admin = admin_client_
    page = make_post("About", post_type="page", slug="about")
    url = f"/admin/publishing/post/{page.pk}/change/"
    data = admin_page_data(admin, title="About", status="trash")
    response = client.post(url, data)
    assert response.context["adminform"].form.errors["status"] == [
        "Use the “Move to trash” action of the list of posts."
    ]
    services.trash_post(page)
    response = client.post(url, admin_page_data(admin, title="About", status="published"))
    assert response.context["adminform"].form.errors["status"] == [
        "This post is in the trash: use the “Restore” action."
    ]
    kept = client.post(url, admin_page_data(admin, title="About, edited", status="trash"))
    assert kept.status_code == 302
    page.refresh_from_db()
    assert (page.title, page.status, page.trashed_from) == ("About, edited", "trash", "published")
