"""At a phone's width (390 px) the sources and moderation tables stack into cards: the page is no
wider than the screen, and every row's buttons are on screen without scrolling sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from plnet.conversation.models import Comment
from plnet.publishing.models import Post
from plnet.reader.models import Folder, Person, Source, Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 390
LONG_URL = "https://a-rather-long-host-name.example.org/" + "path-segment/" * 6 + "feed.xml"


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_on_screen(page, button) -> None:
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


@pytest.fixture
def narrow(page):
    page.set_viewport_size({"width": WIDTH, "height": 844})
    return page


def test_sources_page_fits_390px(narrow, live_server, django_user_model):
    user = django_user_model.objects.create_user("ada", password="pw-ada-12345")
    folder = Folder.objects.create(user=user, name="Educational technology")
    person = Person.objects.create(user=user, name="Stephen Downes-Longname")
    for i in range(3):
        source = Source.objects.create(
            url=f"{LONG_URL}?n={i}",
            title=f"A source with quite a long title number {i}",
            state="error",
            last_error="the server answered HTTP 500 (Internal Server Error) " * 2,
            last_fetched_at=timezone.now(),
        )
        Subscription.objects.create(user=user, source=source, person=person, folder=folder)
    sign_in(narrow, live_server, user)
    narrow.goto(f"{live_server.url}/reader/sources/")
    assert page_width(narrow) <= WIDTH
    for name in ("Refresh now", "Unfollow"):
        buttons = narrow.get_by_role("button", name=name)
        assert buttons.count() == 3
        for i in range(3):
            assert_on_screen(narrow, buttons.nth(i))


def test_moderation_page_fits_390px(narrow, live_server, django_user_model):
    author = django_user_model.objects.create_user("ana", password="pw-ana-12345")
    post = Post.objects.create(
        title="Learning in public", slug="learning", body="x", status="published",
        published_at=timezone.now() - dt.timedelta(days=1), author=author,
    )  # fmt: skip
    for i in range(2):
        Comment.objects.create(
            post=post, author_name=f"Commenter {i}",
            author_email=f"a-long-address-{i}@some-long-domain.example.org",
            author_url=LONG_URL, raw_content="A thought.", content="<p>A thought.</p>",
            state=Comment.State.PENDING,
        )  # fmt: skip
    sign_in(narrow, live_server, author)
    narrow.goto(f"{live_server.url}/moderation/")
    assert page_width(narrow) <= WIDTH
    for name in ("Approve", "Spam"):
        buttons = narrow.locator(".row-actions").get_by_role("button", name=name, exact=True)
        assert buttons.count() == 2
        for i in range(2):
            assert_on_screen(narrow, buttons.nth(i))
