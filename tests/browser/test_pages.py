"""Writing a page in a real headless Chromium: a child page under an existing one, found at its
nested address and in the list of pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from plnet.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writer(django_user_model):
    user = django_user_model.objects.create_user(username="ana", display_name="Ana Lima")
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    return user


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_write_a_child_page_and_read_it_at_its_nested_address(page, live_server, writer):
    about = Post.objects.create(
        post_type="page", title="About", slug="about", body="Who we are.", author=writer,
        status="published", published_at="2024-01-01T10:00:00Z",
    )  # fmt: skip
    sign_in(page, live_server, writer)
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Pages").click()
    page.get_by_role("link", name="Add a new page").click()

    page.get_by_label("Title").fill("Our team")
    page.get_by_label("Body (Markdown)").fill("We are *three*.")
    page.get_by_label("Parent page").select_option(label="About")
    page.get_by_label("Order").fill("2")
    page.get_by_label("Status", exact=True).select_option(label="Published")
    page.get_by_role("button", name="Save with the status above").click()

    expect(page.locator(".messages")).to_have_text("Published.")
    page.get_by_role("link", name="View the page").click()
    assert page.url == live_server.url + "/about/our-team/"
    assert page.get_by_role("heading", level=1).inner_text() == "Our team"
    assert page.locator(".e-content em").inner_text() == "three"
    child = Post.objects.pages().get(title="Our team")
    assert (child.parent_id, child.menu_order) == (about.pk, 2)

    page.goto(live_server.url + "/write/pages/")
    titles = page.locator("td.page-title").all_inner_texts()
    assert [" ".join(t.split()) for t in titles] == ["About", "— Our team"]
