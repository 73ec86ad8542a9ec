"""Importing again keeps attachments edited here, as it keeps posts (digests, conflicts).

The theme unit test data declares 37 attachments; the newer exports below are the corpus file
with one attachment's excerpt (its caption) or title changed, as WordPress would export it after
an edit there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from plnet.publishing.models import Attachment, Post
from plnet.publishing.wordpress import import_wxr
from tests.conftest import CORPUS

THEME = CORPUS / "wxr/theme-test-data/themeunittestdata.wordpress.xml"
WP = "{https://wordpress.org/export/1.2/}"
BELL = 754  # "Bell on Wharf", caption "Bell on wharf in San Francisco", in post 555
GATE = 755  # "Golden Gate Bridge"
OLD_CAPTION = b"<excerpt:encoded><![CDATA[Bell on wharf in San Francisco]]>"
NEW_CAPTION = b"<excerpt:encoded><![CDATA[The bell on a San Francisco wharf]]>"

pytestmark = pytest.mark.django_db


def attachments_in_file(path) -> int:
    """Attachment items of the file, counted with ElementTree (not the importer's parser)."""
    items = ET.parse(path).getroot().iter("item")
    return sum(
        item.findtext(f"{WP}post_type") == "attachment" and item.findtext(f"{WP}status") != "trash"
        for item in items
    )


def newer_export(tmp_path, *replacements: tuple[bytes, bytes]):
    raw = THEME.read_bytes()
    for old, new in replacements:
        assert raw.count(old) == 1, old
        raw = raw.replace(old, new)
    copy = tmp_path / THEME.name
    copy.write_bytes(raw)
    return copy


def edit_in_admin(admin_client, attachment: Attachment, **changes) -> None:
    """Change an attachment through the admin's change form, as a person would."""
    url = f"/admin/publishing/attachment/{attachment.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "created_at":
            local = form[name].initial
            data["created_at_0"], data["created_at_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
            continue
        data[name] = "" if value is None else value
    data.update(changes)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_the_file_has_the_attachments_counted_here():
    assert attachments_in_file(THEME) == 37


def test_reimporting_the_same_file_leaves_every_attachment_unchanged():
    first = import_wxr(THEME)
    assert first.created["attachment"] == attachments_in_file(THEME)
    assert Attachment.objects.filter(wp_export_digest="").count() == 0

    again = import_wxr(THEME)

    assert again.unchanged["attachment"] == 37
    assert (again.created["attachment"], again.updated["attachment"]) == (0, 0)
    assert again.conflicts == []


def test_a_newer_export_updates_an_attachment_not_edited_here(tmp_path):
    import_wxr(THEME)
    newer = newer_export(tmp_path, (OLD_CAPTION, NEW_CAPTION))

    summary = import_wxr(newer)

    bell = Attachment.objects.get(wp_post_id=BELL)
    assert bell.caption == "The bell on a San Francisco wharf"
    assert (summary.updated["attachment"], summary.unchanged["attachment"]) == (1, 36)
    assert summary.conflicts == []
    line = next(li for li in summary.lines() if li.strip().startswith("attachments"))
    assert line.split() == ["attachments", "0", "new,", "1", "updated,", "36", "unchanged"]


def test_an_attachment_edited_here_is_kept_when_the_export_changed_too(admin_client, tmp_path):
    import_wxr(THEME)
    bell = Attachment.objects.get(wp_post_id=BELL)
    edit_in_admin(admin_client, bell, title="Ship's bell")
    newer = newer_export(
        tmp_path,
        (OLD_CAPTION, NEW_CAPTION),
        (b"<title>Golden Gate Bridge</title>", b"<title>The Golden Gate</title>"),
    )

    summary = import_wxr(newer)

    bell.refresh_from_db()
    assert (bell.title, bell.caption) == ("Ship's bell", "Bell on wharf in San Francisco")
    assert Attachment.objects.get(wp_post_id=GATE).title == "The Golden Gate"
    assert (summary.updated["attachment"], summary.kept["attachment"]) == (1, 1)
    assert summary.conflicts == [f"attachment 'Ship's bell' (WordPress id {BELL})"]
    text = "\n".join(summary.lines())
    assert "conflicts (1)" in text and f"attachment 'Ship's bell' (WordPress id {BELL})" in text
    # settled: the same newer file again changes nothing and reports nothing
    again = import_wxr(newer)
    assert (again.updated["attachment"], again.unchanged["attachment"]) == (0, 37)
    assert again.conflicts == []
    bell.refresh_from_db()
    assert bell.title == "Ship's bell"


def test_an_attachment_edited_here_is_kept_when_the_export_did_not_change(admin_client):
    import_wxr(THEME)
    bell = Attachment.objects.get(wp_post_id=BELL)
    other = Post.objects.get(wp_post_id=163)  # "WP 6.1 Font size scale": moved to it here
    assert bell.post.wp_post_id == 555
    edit_in_admin(admin_client, bell, caption="My caption", post=other.pk)

    summary = import_wxr(THEME)

    bell.refresh_from_db()
    assert (bell.caption, bell.post_id) == ("My caption", other.pk)
    assert (summary.unchanged["attachment"], summary.updated["attachment"]) == (37, 0)
    assert summary.conflicts == []


def test_attachments_imported_before_digests_were_kept_are_not_overwritten(tmp_path):
    import_wxr(THEME)
    Attachment.objects.update(wp_export_digest="", wp_written_digest="")
    Attachment.objects.filter(wp_post_id=BELL).update(description="<p>Mine</p>")

    summary = import_wxr(THEME)

    assert Attachment.objects.get(wp_post_id=BELL).description == "<p>Mine</p>"
    assert (summary.kept["attachment"], summary.unchanged["attachment"]) == (1, 36)
    # the conflict keeps its unknown written digest: the next newer export is a conflict again
    assert list(
        Attachment.objects.filter(wp_written_digest="").values_list("wp_post_id", flat=True)
    ) == [BELL]
