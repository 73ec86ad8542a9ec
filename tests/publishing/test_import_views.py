"""The WordPress import page: staff only, upload checks (type, size cap, CSRF, author options),
one import at a time, and the run's status page (refresh while running, summary at the end).

Two steps, as in WordPress: the upload stores the file and reads the logins it declares; the
author choices then start the run. In tests the ImmediateBackend runs the import task as soon as
that transaction commits, so an accepted start has imported the file by the time it answers.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plnet.publishing import imports
from plnet.publishing.models import ImportRun, Post
from tests.conftest import CORPUS

WXR = CORPUS / "wxr"
SMALL = WXR / "wordpress-importer" / "small-export.xml"
URL = "/write/import/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def imports_root(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    return settings.IMPORTS_ROOT


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        username="boss", password="pw-boss-123!", is_staff=True
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def upload(path, name=None, **fields):
    return {"file": SimpleUploadedFile(name or path.name, path.read_bytes()), **fields}


def import_file(client, path, name=None, **options):
    """Upload, then start with these options; the run, and the start's response."""
    response = client.post(URL, upload(path, name))
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("id")
    assert response["Location"] == f"/write/import/{run.pk}/"
    started = client.post(f"/write/import/{run.pk}/start/", options)
    run.refresh_from_db()
    return run, started


def stored_files(root) -> list:
    return sorted(root.iterdir()) if root.exists() else []


# --- who may --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, imports_root):
    for url in (URL, "/write/import/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    response = client.post(URL, upload(SMALL))
    assert response.status_code == 302
    assert ImportRun.objects.count() == 0
    assert stored_files(imports_root) == []


def test_signed_in_non_staff_is_refused(client, django_user_model, imports_root):
    user = django_user_model.objects.create_user(username="ana", password="pw-ana-123!")
    user.user_permissions.add(Permission.objects.get(codename="add_post"))
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, upload(SMALL)).status_code == 403
    run = ImportRun.objects.create(file_name="x.xml", size=1)
    assert client.get(f"/write/import/{run.pk}/").status_code == 403
    assert client.post(f"/write/import/{run.pk}/start/").status_code == 403
    assert client.post(f"/write/import/{run.pk}/cancel/").status_code == 403
    assert ImportRun.objects.get().state == "uploaded"
    assert Post.objects.count() == 0
    assert stored_files(imports_root) == []


def test_the_page_is_linked_for_staff_only(staff_client, client, django_user_model):
    assert 'href="/write/import/"' in staff_client.get("/").content.decode()
    other = Client()
    other.force_login(django_user_model.objects.create_user(username="ana"))
    assert 'href="/write/import/"' not in other.get("/").content.decode()


def labelled_inputs(html: str) -> set[str]:
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)) - {"site-search"}
    for field_id in ids:
        assert f'for="{field_id}"' in html
    return ids


def test_the_forms_have_a_label_for_every_input(staff_client):
    html = staff_client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert labelled_inputs(html) == {"id_file"}
    staff_client.post(URL, upload(SMALL))
    html = staff_client.get(f"/write/import/{ImportRun.objects.get().pk}/").content.decode()
    assert labelled_inputs(html) == {
        "id_author_0", "id_author_1", "id_author_2",
        "id_author_default", "id_author_map", "id_dry_run",
    }  # fmt: skip


def test_the_upload_reads_the_declared_logins_and_waits(staff_client, imports_root):
    response = staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    assert response.status_code == 302
    channel = ET.parse(SMALL).getroot().find("channel")
    declared = [
        "".join(a.find("{http://wordpress.org/export/1.1/}author_login").itertext())
        for a in channel.findall("{http://wordpress.org/export/1.1/}author")
    ]
    assert run.state == "uploaded" and run.authors == declared == ["admin", "editor", "author"]
    assert (run.file_name, run.size) == ("small-export.xml", SMALL.stat().st_size)
    assert [p.name for p in stored_files(imports_root)] == [run.stored_name]
    page = staff_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert '<option value="" selected>a new account editor</option>' in page
    assert '<option value="boss">boss</option>' in page
    assert Post.objects.count() == 0


def test_an_upload_is_imported_and_its_page_shows_the_summary(staff_client, imports_root):
    run, response = import_file(staff_client, SMALL)
    assert response.status_code == 302
    assert response["Location"] == f"/write/import/{run.pk}/"
    assert run.state == "done"
    items = len(ET.parse(SMALL).getroot().find("channel").findall("item"))
    assert run.items_read == items
    page = staff_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert f"{items} items" in page
    assert "Imported small-export.xml (http://localhost)" in page
    assert '<progress id="import-progress" max="100" value="100"' in page
    for post in Post.objects.filter(status="published"):
        assert f'href="{post.get_absolute_url()}"' in page
    assert stored_files(imports_root) == []
    # and the page lists it among past imports
    html = staff_client.get(URL).content.decode()
    assert f'href="/write/import/{run.pk}/">small-export.xml</a>' in html
    # starting it again does nothing
    again = staff_client.post(f"/write/import/{run.pk}/start/")
    assert again.status_code == 302 and ImportRun.objects.get().state == "done"


def test_a_file_that_is_not_xml_by_name_is_refused(staff_client, imports_root):
    response = staff_client.post(URL, upload(SMALL, name="export.txt"))
    assert response.status_code == 400
    assert "Choose the .xml file WordPress exported" in response.content.decode()
    assert ImportRun.objects.count() == 0
    assert stored_files(imports_root) == []


def test_an_empty_or_missing_file_is_refused(staff_client, imports_root):
    assert staff_client.post(URL, {}).status_code == 400
    empty = {"file": SimpleUploadedFile("export.xml", b"")}
    response = staff_client.post(URL, empty)
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()
    assert ImportRun.objects.count() == 0
    assert stored_files(imports_root) == []


def test_a_declared_size_over_the_cap_is_refused_before_reading(staff_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = staff_client.post(URL, upload(SMALL), CONTENT_LENGTH=str(1000 + 64 * 1024 + 1))
    assert response.status_code == 413
    assert "larger than the 1000\xa0bytes this page accepts" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_a_file_over_the_cap_is_stopped_while_streaming(staff_client, settings, imports_root):
    size = SMALL.stat().st_size
    settings.IMPORT_MAX_BYTES = size - 1  # the request is within the allowance: read, then cut
    response = staff_client.post(URL, upload(SMALL))
    assert response.status_code == 413
    assert "PLNET_IMPORT_MAX_BYTES" in response.content.decode()
    assert ImportRun.objects.count() == 0
    assert stored_files(imports_root) == []
    settings.IMPORT_MAX_BYTES = size  # exactly the cap is fine
    assert import_file(staff_client, SMALL)[0].state == "done"


def test_csrf_is_checked_and_the_file_is_not_kept(staff, imports_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(URL, upload(SMALL))
    assert response.status_code == 403
    assert ImportRun.objects.count() == 0
    assert stored_files(imports_root) == []
    token = client.get(URL).cookies["csrftoken"].value
    response = client.post(URL, upload(SMALL, csrfmiddlewaretoken=token))
    assert response.status_code == 302


def test_author_choices_reach_the_import(staff_client, django_user_model):
    ana = django_user_model.objects.create_user(username="ana")
    run, response = import_file(
        staff_client,
        SMALL,
        author_0="ana",  # admin
        author_1="",  # editor: a new account
        author_default="boss",
        author_2="ana",  # author
        author_map="\n\n",
    )
    assert response.status_code == 302
    assert run.author_default == "boss"
    assert run.author_map == {"admin": "ana", "author": "ana"}
    assert run.state == "done"
    usernames = set(django_user_model.objects.values_list("username", flat=True))
    assert usernames == {"boss", "ana", "editor"}
    assert Post.objects.filter(author=ana).exists()
    assert Post.objects.filter(author__username="editor").exists()


def test_the_author_choices_name_the_accounts_the_import_really_makes(
    staff_client, django_user_model, tmp_path
):
    """Regression: the file's `admin` was offered as "a new account (admin)" although `admin`
    exists here (the import makes `admin-wp`), the summary did not name the accounts made, and
    `admin-wp` kept the display name "admin". A login made safe is said so too."""
    django_user_model.objects.create_user(username="admin", display_name="Site admin")
    evil = 'evil"><svg onload=alert(3)>'
    raw = (
        SMALL.read_bytes()
        .replace(
            b"<wp:author_login>author</wp:author_login>",
            b"<wp:author_login><![CDATA[" + evil.encode() + b"]]></wp:author_login>",
        )
        .replace(
            b"<dc:creator>author</dc:creator>",
            b"<dc:creator><![CDATA[" + evil.encode() + b"]]></dc:creator>",
        )
    )
    changed = tmp_path / "small-export.xml"
    changed.write_bytes(raw)
    staff_client.post(URL, upload(changed))
    run = ImportRun.objects.latest("id")
    form = staff_client.get(f"/write/import/{run.pk}/").context["form"]
    labels = [dict(form.fields[f"author_{n}"].choices)[""] for n in range(3)]
    assert labels == [
        "a new account admin-wp — 'admin' is taken here",
        "a new account editor",
        "a new account evil — the login 'evil\"><svg onload=alert(3)>' made safe",
    ]

    staff_client.post(f"/write/import/{run.pk}/start/", {})

    run.refresh_from_db()
    assert run.state == "done"
    assert (
        "  new accounts (3): admin-wp ('admin' is taken here), editor,"
        " evil (the login 'evil\"><svg onload=alert(3)>' made safe)" in run.summary_lines
    )
    made = django_user_model.objects.get(username="admin-wp")
    assert made.display_name == "admin-wp"  # not a second "admin"
    assert django_user_model.objects.get(username="editor").display_name == "editor"


def test_other_authors_refuse_a_declared_login_or_a_login_twice(staff_client, django_user_model):
    django_user_model.objects.create_user(username="ana")
    staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    start = f"/write/import/{run.pk}/start/"
    response = staff_client.post(start, {"author_map": "admin=ana"})
    assert response.status_code == 400
    assert "Line 1: the file declares &#x27;admin&#x27;: choose its account above." in (
        response.content.decode()
    )
    response = staff_client.post(start, {"author_map": "mythz=ana\nmythz=boss"})
    assert response.status_code == 400
    assert "Line 2: &#x27;mythz&#x27; is given twice." in response.content.decode()
    run.refresh_from_db()
    assert run.state == "uploaded"


def test_an_author_choice_naming_nobody_is_refused(staff_client, imports_root):
    staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    start = f"/write/import/{run.pk}/start/"
    response = staff_client.post(start, {"author_map": "admin=nobody-here"})
    assert response.status_code == 400
    assert "Line 1: there is no user named &#x27;nobody-here&#x27;." in response.content.decode()
    response = staff_client.post(start, {"author_map": "admin"})
    assert "Line 1: write LOGIN=USERNAME" in response.content.decode()
    response = staff_client.post(start, {"author_0": "nobody-here"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    run.refresh_from_db()
    assert run.state == "uploaded" and Post.objects.count() == 0
    assert [p.name for p in stored_files(imports_root)] == [run.stored_name]


def test_dry_run_writes_nothing_but_the_run(staff_client):
    run, _ = import_file(staff_client, SMALL, dry_run="on")
    assert run.state == "done" and run.dry_run
    assert run.summary_lines[0] == "Would import small-export.xml (http://localhost)"
    assert Post.objects.count() == 0


def test_a_refused_file_fails_the_run_naming_its_line(staff_client, imports_root):
    path = WXR / "wordpress-importer" / "malformed.xml"
    try:
        ET.parse(path)
    except ET.ParseError as exc:
        line = exc.position[0]
    response = staff_client.post(URL, upload(path))  # refused as its authors are read
    run = ImportRun.objects.get()
    assert response["Location"] == f"/write/import/{run.pk}/"
    assert run.state == "failed"
    assert run.error.startswith(f"malformed.xml, line {line}: There was an error when reading")
    assert run.error.endswith("(nothing imported)")
    page = staff_client.get(response["Location"]).content.decode()
    assert f"malformed.xml, line {line}:" in page
    assert 'http-equiv="refresh"' not in page
    assert Post.objects.count() == 0
    assert stored_files(imports_root) == []


def test_one_import_at_a_time(staff_client, staff, imports_root):
    waiting = ImportRun.objects.create(user=staff, file_name="first.xml", size=10, state="queued")
    response = staff_client.post(URL, upload(SMALL))
    assert response.status_code == 409
    assert "Another import (first.xml) is waiting for the worker" in response.content.decode()
    assert ImportRun.objects.count() == 1
    assert stored_files(imports_root) == []
    # the queued run's page refreshes itself and offers to cancel it
    page = staff_client.get(f"/write/import/{waiting.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    staff_client.post(f"/write/import/{waiting.pk}/cancel/")
    waiting.refresh_from_db()
    assert waiting.state == "cancelled"
    assert waiting.error == "by boss before it started"
    assert import_file(staff_client, SMALL)[0].state == "done"


def test_a_run_waiting_for_choices_cannot_start_while_another_is_queued(staff_client, staff):
    staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    ImportRun.objects.create(user=staff, file_name="other.xml", size=10, state="queued")
    response = staff_client.post(f"/write/import/{run.pk}/start/")
    assert response.status_code == 409
    assert "Another import (other.xml)" in response.content.decode()
    run.refresh_from_db()
    assert run.state == "uploaded"


def test_an_upload_left_without_choices_can_be_cancelled_or_expires(staff_client, imports_root):
    staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    staff_client.post(f"/write/import/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.state == "cancelled" and stored_files(imports_root) == []
    staff_client.post(URL, upload(SMALL))
    left = ImportRun.objects.latest("id")
    ImportRun.objects.filter(pk=left.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=imports.UNSTARTED_AFTER_SECONDS + 1)
    )
    page = staff_client.get(f"/write/import/{left.pk}/").content.decode()
    assert "not started within an hour of its upload" in page
    assert stored_files(imports_root) == []


def test_a_finished_run_cannot_be_cancelled(staff_client):
    run, _ = import_file(staff_client, SMALL)
    response = staff_client.post(f"/write/import/{run.pk}/cancel/", follow=True)
    assert "it cannot be cancelled" in response.content.decode()
    run.refresh_from_db()
    assert run.state == "done"


def test_past_runs_are_listed_newest_first(staff_client, staff):
    for name in ("a.xml", "b.xml", "c.xml"):
        ImportRun.objects.create(user=staff, file_name=name, size=1, state="done")
    html = staff_client.get(URL).content.decode()
    assert html.index("c.xml") < html.index("b.xml") < html.index("a.xml")


def test_a_missing_run_is_404(staff_client):
    assert staff_client.get("/write/import/999/").status_code == 404


def test_admin_lists_runs_and_add_leads_to_the_page(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="pw-root-1!")
    client.force_login(admin)
    assert "/admin/publishing/importrun/" in client.get("/admin/").content.decode()
    response = client.get("/admin/publishing/importrun/add/")
    assert response.status_code == 302 and response["Location"] == URL


def test_a_running_run_shows_moving_progress_and_refreshes(staff_client, staff):
    run = ImportRun.objects.create(
        user=staff, file_name="big.xml", size=4000, state="running", started_at=timezone.now()
    )
    cache.set(imports.progress_key(run.pk), imports._progress_data(120, 345, 1000, 4000), 60)
    page = staff_client.get(f"/write/import/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Importing</strong> — 120 items and 345 comments read" in page
    assert '<progress id="import-progress" max="100" value="25">' in page
    assert "25% of the file read" in page
    cache.set(imports.progress_key(run.pk), imports._progress_data(240, 600, 3000, 4000), 60)
    page = staff_client.get(f"/write/import/{run.pk}/").content.decode()
    assert "240 items and 600 comments read" in page and 'value="75"' in page


def test_a_run_whose_worker_stopped_is_shown_failed(staff_client, staff):
    long_ago = timezone.now() - dt.timedelta(seconds=imports.STALE_AFTER_SECONDS + 1)
    run = ImportRun.objects.create(
        user=staff, file_name="big.xml", size=4000, state="running", started_at=long_ago
    )
    page = staff_client.get(f"/write/import/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "stopped without finishing" in page
    run.refresh_from_db()
    assert run.state == "failed"


def test_a_cancelled_run_is_shown_as_cancelled(staff_client, imports_root):
    """Regression: a cancelled run was listed as "Failed: cancelled by admin before it started"."""
    staff_client.post(URL, upload(SMALL))
    run = ImportRun.objects.get()
    staff_client.post(f"/write/import/{run.pk}/cancel/")
    run.refresh_from_db()
    assert (run.state, run.get_state_display()) == ("cancelled", "Cancelled")
    assert run.finished_at is not None and stored_files(imports_root) == []
    listed = staff_client.get(URL).content.decode()
    assert "Cancelled: by boss before it started" in listed and "Failed" not in listed
    page = staff_client.get(f"/write/import/{run.pk}/").content.decode()
    assert "Cancelled by boss before it started; nothing was imported." in page
    assert 'role="alert"' not in page


def test_after_a_dry_run_import_it_now_uses_the_same_file_and_choices(
    staff_client, django_user_model, imports_root
):
    """Regression: after a dry run the file had to be uploaded and the authors chosen again."""
    ana = django_user_model.objects.create_user(username="ana")
    dry, _ = import_file(staff_client, SMALL, author_0="ana", dry_run="on")
    assert dry.state == "done" and Post.objects.count() == 0
    assert [p.name for p in stored_files(imports_root)] == [dry.stored_name]  # kept for it
    page = staff_client.get(f"/write/import/{dry.pk}/").content.decode()
    assert f'action="/write/import/{dry.pk}/import-now/"' in page and "Import it now" in page

    response = staff_client.post(f"/write/import/{dry.pk}/import-now/")

    run = ImportRun.objects.latest("id")
    assert run.pk != dry.pk and response["Location"] == f"/write/import/{run.pk}/"
    assert (run.state, run.dry_run, run.author_map) == ("done", False, {"admin": "ana"})
    assert Post.objects.filter(author=ana).exists()
    assert stored_files(imports_root) == []  # taken over by the run, removed once imported
    dry.refresh_from_db()
    assert not dry.can_import_now
    assert "Import it now" not in staff_client.get(f"/write/import/{dry.pk}/").content.decode()
    again = staff_client.post(f"/write/import/{dry.pk}/import-now/", follow=True)
    assert "no longer kept: upload it again" in again.content.decode()
    assert ImportRun.objects.count() == 2


def test_a_dry_run_s_file_is_removed_after_an_hour(staff_client, imports_root):
    dry, _ = import_file(staff_client, SMALL, dry_run="on")
    ImportRun.objects.filter(pk=dry.pk).update(
        finished_at=timezone.now() - dt.timedelta(seconds=imports.UNSTARTED_AFTER_SECONDS + 1)
    )
    imports.fail_stale_runs()
    dry.refresh_from_db()
    assert dry.stored_name == "" and stored_files(imports_root) == [] and dry.state == "done"
