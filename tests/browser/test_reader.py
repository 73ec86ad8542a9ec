"""The reader in real Chromium: subscribe to a local feed, read with the keyboard, share."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from plnet.publishing.models import Post
from plnet.reader.models import EntryState, Share
from tests.reader.conftest import RSS, rss

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_subscribe_read_with_the_keyboard_and_share(
    page, live_server, local_server, django_user_model
):
    user = django_user_model.objects.create_user("ada", password="pw-ada-12345")
    # Every link points at the loopback server: the browser must never leave this machine.
    body = rss(
        [
            ("older", "An older post", "Mon, 02 Mar 2015 10:00:00 GMT"),
            ("newer", "A newer post", "Tue, 03 Mar 2015 10:00:00 GMT"),
        ],
        title="Local blog",
    ).replace(b"https://example.org/", local_server.url("/posts/").encode())
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, body)
    for slug in ("older", "newer"):
        page_html = f"<!doctype html><title>{slug}</title><p>The {slug} post.</p>".encode()
        local_server.routes[f"/posts/{slug}"] = (200, {"Content-Type": "text/html"}, page_html)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/reader/sources/")
    page.get_by_label("Feed or site address").fill(local_server.url("/feed.xml"))
    page.get_by_label("Person (optional)").fill("Ton")
    page.get_by_role("button", name="Follow").click()
    page.get_by_text("You now follow Local blog.").wait_for()

    page.goto(f"{live_server.url}/reader/")
    articles = page.locator("article.entry")
    assert articles.count() == 2
    assert articles.nth(0).locator("h2").inner_text() == "A newer post"

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first = articles.nth(0)
    assert "current" in first.get_attribute("class")
    page.keyboard.press("s")
    page.wait_for_function(
        "document.querySelector('article.entry').classList.contains('is-starred')"
    )
    page.keyboard.press("m")
    page.wait_for_function("document.querySelector('article.entry').classList.contains('is-read')")
    state = EntryState.objects.get(user=user, entry__guid="newer")
    assert (state.read, state.starred) == (True, True)

    page.keyboard.press("?")
    assert page.locator("#reader-help").is_visible()
    page.keyboard.press("Escape")

    with page.context.expect_page() as opened:
        page.keyboard.press("j")
        page.keyboard.press("o")
    original = opened.value
    original.wait_for_load_state()
    assert original.url == local_server.url("/posts/older")
    original.close()
    page.wait_for_function("document.querySelectorAll('article.entry.is-read').length === 2")

    first.get_by_role("link", name="Read here and share").click()
    page.get_by_label("Your note (Markdown)").fill("A *good* read.")
    page.get_by_role("button", name="Share").click()
    page.wait_for_url(re.compile(r"/a-newer-post/?$"))
    post = Post.objects.get()
    assert "via Ton" in post.content_html and "<em>good</em>" in post.content_html
    assert Share.objects.get().post == post
    page.goto("about:blank")  # no request may reach the live server after the test
