"""Linkbacks in a real browser: the responses under a post, and the Webmention form used
without JavaScript (the source page is served on loopback and verified by the real task)."""

from __future__ import annotations

import datetime as dt

import pytest

from plnet.conversation.models import Comment
from plnet.linkbacks.models import ReceivedLinkback
from plnet.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post() -> Post:
    return Post.objects.create(
        title="Open notes",
        slug="open-notes",
        body="Notes.",
        status="published",
        published_at=dt.datetime(2024, 5, 6, 7, 0, tzinfo=dt.UTC),
    )


def test_responses_are_grouped_under_the_post(page, live_server):
    post = _post()
    photo = f"{live_server.url}/static/plnet/none.png"
    for name, kind in [("Ann", "like"), ("Ben", "like"), ("Cat", "repost")]:
        Comment.objects.create(
            post=post,
            comment_type=kind,
            state="approved",
            author_name=name,
            author_url=f"{live_server.url}/people/{name}",
            author_photo=photo if name == "Ann" else "",
        )
    Comment.objects.create(
        post=post,
        comment_type="pingback",
        state="approved",
        author_name="A WordPress post",
        source_url=f"{live_server.url}/wp/1/",
        content="<p>[…] cites this […]</p>",
    )
    Comment.objects.create(post=post, comment_type="mention", state="pending", author_name="Held")
    page.goto(live_server.url + post.get_absolute_url())
    section = page.get_by_role("region", name="Responses")
    assert section.get_by_role("heading", name="2 likes").is_visible()
    likes = section.get_by_role("list", name="2 likes")
    assert likes.get_by_role("link").count() == 2
    assert likes.get_by_role("img", name="Ann").is_visible()
    assert section.get_by_role("heading", name="1 repost").is_visible()
    mentions = section.get_by_role("list", name="Mentions")
    assert (
        mentions.get_by_role("link", name="A WordPress post").get_attribute("href")
        == f"{live_server.url}/wp/1/"
    )
    assert "Held" not in section.inner_text()


def test_webmention_form_works_without_javascript(page, live_server, local_server, settings):
    import dataclasses
    import ipaddress

    settings.PLNET = dataclasses.replace(
        settings.PLNET, fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
    )
    post = _post()
    target = live_server.url + post.get_absolute_url()
    local_server.routes["/reply"] = (
        200,
        {"Content-Type": "text/html"},
        f'<div class="h-entry"><a class="u-in-reply-to" href="{target}">re</a><p class="e-content">Yes!</p></div>'.encode(),
    )
    page.goto(live_server.url + "/webmention")
    page.get_by_label("Your post's URL (source)").fill(local_server.url("/reply"))
    page.get_by_label("Our post's URL (target)").fill(target)
    page.get_by_role("button", name="Send Webmention").click()
    page.wait_for_url("**/webmention/*/")
    assert page.get_by_role("heading", name="Webmention status").is_visible()
    assert "Verified" in page.inner_text("main")
    assert ReceivedLinkback.objects.get().comment.comment_type == "reply"
