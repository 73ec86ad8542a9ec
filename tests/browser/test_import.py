"""A staff member imports a small WordPress export from the import page in real Chromium: uploads
it, gives one of its authors to their own account, sees the summary, opens an imported post."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from plnet.publishing.models import ImportRun, Post
from tests.conftest import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL = CORPUS / "wxr" / "wordpress-importer" / "small-export.xml"


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_staff_uploads_an_export_and_sees_the_summary(
    page, live_server, django_user_model, settings, tmp_path
):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    settings.SITE_URL = live_server.url
    boss = django_user_model.objects.create_user(username="boss", is_staff=True)
    sign_in(page, live_server, boss)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url("**/write/import/")
    assert page.locator("h1").inner_text() == "Import from WordPress"

    page.get_by_label("WordPress export file (.xml)").set_input_files(str(SMALL))
    page.get_by_role("button", name="Upload").click()
    run = ImportRun.objects.get()
    page.wait_for_url(f"**/write/import/{run.pk}/")
    assert "Waiting for your author choices" in page.get_by_role("status").inner_text()
    page.get_by_label("Posts and pages by admin", exact=True).select_option("boss")
    page.get_by_role("button", name="Start the import").click()
    page.wait_for_load_state()

    items = len(ET.parse(SMALL).getroot().find("channel").findall("item"))
    status = page.get_by_role("status").filter(has_text="Done")
    assert f"{items} items" in status.inner_text()
    summary = page.locator("pre.import-summary").inner_text()
    assert summary.startswith("Imported small-export.xml (http://localhost)")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert list((tmp_path / "imports").iterdir()) == []

    run.refresh_from_db()
    assert run.author_map == {"admin": "boss"}
    assert not django_user_model.objects.filter(username="admin").exists()
    post = Post.objects.filter(status="published", post_type="post").order_by("-published_at")[0]
    page.locator(".import-posts").get_by_role("link", name=post.title).click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    assert page.locator("h1.p-name").inner_text() == post.title
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)
