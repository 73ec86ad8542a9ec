"""The shared cache of what pages show about the published site (navigation, a post's
neighbours and number): every change made through publishing's services shows on the next
request, and what a request stored while a change was committing is never served."""

from __future__ import annotations

import datetime as dt
import re

import lxml.html
import pytest
from django.utils import timezone

from plnet.publishing import navigation, services, sitecache
from plnet.publishing.models import Category, Post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_url")]


def nav_links(client, path="/") -> tuple[list[str], list[str], list[str]]:
    """(page titles, category names, years) as the page at path shows them."""
    doc = lxml.html.fromstring(client.get(path).content.decode())

    def texts(label):
        return [a.text_content() for a in doc.xpath(f"//nav[@aria-label='{label}']//a")]

    pages = [t for t in texts("Site") if t not in {"Home", "Sign in"}]
    return pages, texts("Categories"), texts("Archives")


def test_a_page_published_after_the_menu_was_cached_shows_at_once(client, make_post, author):
    make_post(when=dt.datetime(2023, 5, 1, tzinfo=dt.UTC))
    assert nav_links(client) == ([], [], ["2023"])
    assert nav_links(client) == ([], [], ["2023"])  # now from the cache

    contact = services.publish_post(Post(post_type="page", title="Contact", author=author))
    services.save_draft(Post(post_type="page", title="Draft page", author=author))
    assert nav_links(client)[0] == ["Contact"]

    contact.title = "Write to me"
    services.publish_post(contact)
    assert nav_links(client)[0] == ["Write to me"]
    services.delete_post(contact)
    assert nav_links(client)[0] == []


def test_categories_and_years_follow_the_services(client, make_post, author):
    make_post(when=dt.datetime(2023, 5, 1, tzinfo=dt.UTC))
    assert nav_links(client)[1:] == ([], ["2023"])
    cat = services.save_category(Category(name="Learning", slug="learning"))
    assert nav_links(client)[1] == ["Learning"]
    cat.name = "Learning in public"
    services.save_category(cat)
    assert nav_links(client)[1] == ["Learning in public"]
    services.delete_category(cat)
    assert nav_links(client)[1] == []

    # the scheduler's publication adds its year
    post = services.schedule_post(
        Post(title="Later", author=author), at=timezone.now() + dt.timedelta(hours=1)
    )
    assert nav_links(client)[2] == ["2023"]
    Post.objects.filter(pk=post.pk).update(published_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC))
    assert services.publish_due_post(post.pk)
    assert nav_links(client)[2] == ["2024", "2023"]


def test_the_admin_moves_the_version_too(admin_client, client):
    assert nav_links(client)[1] == []
    response = admin_client.post(
        "/admin/publishing/category/add/", {"name": "Teaching", "slug": "teaching"}
    )
    assert response.status_code == 302
    assert nav_links(client)[1] == ["Teaching"]


def test_neighbours_follow_a_renamed_or_new_post(client, make_post, author):
    first = services.publish_post(
        Post(title="First", author=author), at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    second = services.publish_post(
        Post(title="Second", author=author), at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    )

    def shown(post):
        doc = lxml.html.fromstring(client.get(post.get_absolute_url()).content.decode())
        prev = [a.text_content() for a in doc.xpath("//a[@rel='prev']")]
        nxt = [a.text_content() for a in doc.xpath("//a[@rel='next']")]
        number = doc.xpath("//span[@class='post-number']")[0].text_content()
        return prev, nxt, re.search(r"post (\d+)", number).group(1)

    assert shown(second) == (["Previous postFirst"], [], "2")
    first.title = "The first"
    services.publish_post(first, at=first.published_at)
    services.publish_post(
        Post(title="Third", author=author), at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    )
    assert shown(second) == (["Previous postThe first"], ["Next postThird"], "2")
    services.delete_post(first)
    assert shown(second) == ([], ["Next postThird"], "1")


def test_the_version_moves_at_once_and_again_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    """A request that builds the menu between the change and its commit reads the old rows;
    what it stores is left behind by the second move."""
    before = sitecache.version()
    with django_capture_on_commit_callbacks() as callbacks:
        sitecache.published_changed()
        during = sitecache.version()
        assert during != before
        stale = {"pages": [("Old", "/old/")], "categories": [], "years": []}
        monkeypatch.setattr(navigation, "build_navigation", lambda: stale)
        assert navigation.site_navigation() == stale  # built now, stored under `during`
        monkeypatch.undo()
        assert navigation.site_navigation() == stale  # from the cache
    assert len(callbacks) == 1
    callbacks[0]()
    assert sitecache.version() not in {before, during}
    assert navigation.site_navigation()["pages"] == []


def test_remember_keeps_apart_names_parts_and_time_zones():
    calls = []

    def build(value):
        def run():
            calls.append(value)
            return value

        return run

    assert sitecache.remember("a", build(1), 1) == 1
    assert sitecache.remember("a", build(2), 1) == 1  # cached
    assert sitecache.remember("a", build(3), 2) == 3
    assert sitecache.remember("b", build(4), 1) == 4
    with timezone.override("Europe/Lisbon"):
        assert sitecache.remember("a", build(5), 1) == 5
    assert calls == [1, 3, 4, 5]


# A long-lived process (a gunicorn worker, say) that shows the navigation's page titles each
# time it reads a line, and a second process that publishes a page, each with the settings a
# served site has (not the tests'): the cache and its version are shared through the data dir.
READER = """
import sys, django
django.setup()
from plnet.publishing.navigation import site_navigation
for _ in sys.stdin:
    print("|".join(title for title, _ in site_navigation()["pages"]), flush=True)
"""
PUBLISHER = """
import django
django.setup()
from plnet.accounts.models import User
from plnet.publishing import services
from plnet.publishing.models import Post
author = User.objects.create_user(username="ana")
services.publish_post(Post(post_type="page", title="Contact", author=author))
"""


@pytest.mark.slow
def test_a_change_made_by_one_process_shows_in_another(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    env = {**os.environ, "PLNET_DATA_DIR": str(tmp_path), "PLNET_DEBUG": "false"}
    env["DJANGO_SETTINGS_MODULE"] = "plnet.settings"
    run = {"cwd": REPO_ROOT, "env": env, "timeout": 120, "check": True, "capture_output": True}
    subprocess.run([sys.executable, "-m", "plnet.cli", "migrate", "--noinput"], **run)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], cwd=REPO_ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:

        def titles() -> str:
            reader.stdin.write("\n")
            reader.stdin.flush()
            return reader.stdout.readline().strip()

        assert titles() == ""
        assert titles() == ""  # from the cache now
        subprocess.run([sys.executable, "-c", PUBLISHER], **run)
        assert titles() == "Contact"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert list((tmp_path / "cache").glob("*.djcache"))  # the files every process reads
