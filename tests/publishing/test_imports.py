"""plnet.publishing.imports: the import run's service and task on real corpus exports, refused
files, one run at a time, the stored upload removed in every case, and progress kept where
another connection can read it while the import's own transaction is still open.

Expected counts come from `tests.publishing.test_wordpress_import.expected_counts`, the
independent xml.etree count the command-line import tests check against.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from plnet.conversation.models import Comment
from plnet.publishing import imports
from plnet.publishing.models import ImportRun, Post
from plnet.publishing.tasks import run_wordpress_import
from plnet.publishing.wordpress import ImportSummary
from tests.conftest import CORPUS
from tests.publishing.test_wordpress_import import actual_counts, expected_counts, row_counts

WXR = CORPUS / "wxr"
THEME = WXR / "theme-test-data" / "themeunittestdata.wordpress.xml"
MYTHZ = WXR / "real-blogs" / "mythz-blog-wordpress-3.3.1-wxr1.1.xml"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>
"""


@pytest.fixture(autouse=True)
def imports_root(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "imports"
    return settings.IMPORTS_ROOT


def queued_run(source, name=None, **fields) -> ImportRun:
    """A queued run whose upload is stored as the upload handler stores it."""
    stored = imports.imports_root() / f"{'a' * 32}.xml"
    if isinstance(source, bytes):
        stored.write_bytes(source)
    else:
        shutil.copyfile(source, stored)
    return ImportRun.objects.create(
        file_name=name or getattr(source, "name", "export.xml"),
        size=stored.stat().st_size,
        stored_name=stored.name,
        state="queued",
        **fields,
    )


# --- the task on real exports --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [THEME, MYTHZ], ids=lambda p: p.name)
def test_the_task_imports_a_corpus_export(path, imports_root):
    run = queued_run(path)
    run_wordpress_import.enqueue(run.pk)  # the ImmediateBackend runs it now
    run.refresh_from_db()
    expected = expected_counts(path)
    assert run.state == "done", run.error
    assert actual_counts() == {"counts": +expected["counts"], "states": expected["states"]}
    assert run.counts["created"]["post"] == expected["counts"]["post"]
    assert run.counts["created"]["page"] == expected["counts"]["page"]
    assert {k: v for k, v in run.counts["comments"].items() if v} == dict(+expected["states"])
    channel = ET.parse(path).getroot().find("channel")
    items = channel.findall("item")
    assert run.items_read == len(items)
    comments = sum(
        1 for item in items for c in item if c.tag.endswith("}comment") and "wordpress.org" in c.tag
    )
    assert run.comments_read == comments
    assert run.summary_lines[0].startswith(f"Imported {path.name} (")
    assert run.summary_lines[1] == f"  read {len(items)} items and {comments} comments"
    assert run.started_at <= run.finished_at
    assert run.stored_name == "" and list(imports_root.iterdir()) == []
    assert cache.get(imports.progress_key(run.pk)) is None
    # every post and page it made is among the run's imported posts
    assert set(imports.imported_posts(run)) == set(Post.objects.all())


@pytest.mark.django_db
def test_running_the_task_twice_imports_once():
    run = queued_run(MYTHZ)
    run_wordpress_import.enqueue(run.pk)
    before = row_counts()
    result = run_wordpress_import.enqueue(run.pk)
    assert result.return_value == "done"
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (BILLION_LAUGHS, 3, "a DOCTYPE is not allowed"),  # seen at the root, line 3
        (b"just some words, not XML\n", 1, "There was an error when reading this WXR file"),
        (b'<?xml version="1.0"?>\n<html><body/></html>\n', 2, "This does not appear"),
        ((WXR / "wordpress-importer" / "malformed-simple.xml").read_bytes(), 14, "There was"),
    ],
    ids=["billion-laughs", "not-xml", "wrong-root", "truncated"],
)
def test_a_refused_file_fails_the_run_and_imports_nothing(content, line, message, imports_root):
    run = queued_run(content, name="mine.xml")
    run_wordpress_import.enqueue(run.pk)
    run.refresh_from_db()
    assert run.state == "failed"
    assert run.error.startswith(f"mine.xml, line {line}: ")
    assert message in run.error
    assert run.error.endswith("(nothing imported)")
    assert "\n" not in run.error
    assert set(row_counts().values()) == {0}
    assert run.stored_name == "" and list(imports_root.iterdir()) == []


@pytest.mark.django_db
def test_a_file_refused_halfway_leaves_nothing(imports_root):
    text = MYTHZ.read_bytes()
    cut = text[: text.index(b"</item>", len(text) // 2) + len(b"</item>")]  # truncated mid-channel
    run = queued_run(cut, name="cut.xml")
    run_wordpress_import.enqueue(run.pk)
    run.refresh_from_db()
    assert run.state == "failed" and "There was an error when reading" in run.error
    assert set(row_counts().values()) == {0}
    assert list(imports_root.iterdir()) == []


@pytest.mark.django_db
def test_an_unknown_author_option_fails_the_run(imports_root):
    run = queued_run(MYTHZ, author_default="nobody-here")
    run_wordpress_import.enqueue(run.pk)
    run.refresh_from_db()
    assert run.error == "author options: no user named 'nobody-here' (nothing imported)"
    assert Post.objects.count() == 0
    assert list(imports_root.iterdir()) == []


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_and_removes_the_file(monkeypatch, imports_root, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "import_wxr", broken)
    run = queued_run(MYTHZ)
    run_wordpress_import.enqueue(run.pk)
    run.refresh_from_db()
    assert run.error == "the import stopped on an unexpected error (nothing imported)"
    assert "disk on fire" in caplog.text
    assert list(imports_root.iterdir()) == []


# --- one at a time -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_allows_one_running_run():
    ImportRun.objects.create(file_name="a.xml", size=1, state="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(file_name="b.xml", size=1, state="running")


@pytest.mark.django_db
def test_a_run_that_finds_another_running_fails_without_importing(imports_root):
    ImportRun.objects.create(file_name="a.xml", size=1, state="running")
    run = queued_run(MYTHZ)
    run_wordpress_import.enqueue(run.pk)
    run.refresh_from_db()
    assert run.state == "failed"
    assert run.error.startswith("another import was running")
    assert Post.objects.count() == 0
    assert list(imports_root.iterdir()) == []


@pytest.mark.django_db
def test_a_stale_running_run_is_failed_by_the_next_upload(django_user_model):
    long_ago = timezone.now() - dt.timedelta(seconds=imports.STALE_AFTER_SECONDS + 60)
    stale = ImportRun.objects.create(
        file_name="a.xml", size=1, state="running", started_at=long_ago
    )
    assert imports.fail_stale_runs() == 1
    stale.refresh_from_db()
    assert stale.state == "failed" and "stopped without finishing" in stale.error
    # a run whose progress moved recently is left alone, and holds the slot
    live = ImportRun.objects.create(file_name="b.xml", size=1, state="running", started_at=long_ago)
    cache.set(imports.progress_key(live.pk), imports._progress_data(5, 0, 10, 20), 60)
    assert imports.fail_stale_runs() == 0
    upload = imports.StoredUpload(None, imports.imports_root() / "x.xml", "c.xml", 3, "text/xml")
    with pytest.raises(imports.ImportBusy) as busy:
        imports.receive_upload(user=None, upload=upload)
    assert busy.value.run == live


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "logins"),
    [
        ("real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml", None),
        ("theme-test-data/themeunittestdata.wordpress.xml", None),
        ("wordpress-importer/valid-wxr-1.0.xml", []),  # WXR 1.0 declares no authors
    ],
)
def test_declared_authors_are_the_author_blocks(name, logins):
    path = WXR / name
    if logins is None:
        logins = [
            "".join(child.itertext()).strip()
            for author in ET.parse(path).getroot().find("channel")
            if author.tag.endswith("}author")
            for child in author
            if child.tag.endswith("}author_login")
        ]
        assert logins
    assert imports.declared_authors(path) == logins


@pytest.mark.django_db
def test_a_file_refused_at_upload_fails_at_once(imports_root):
    stored = imports.imports_root() / f"{'b' * 32}.xml"
    stored.write_bytes(BILLION_LAUGHS)
    upload = imports.StoredUpload(None, stored, "bomb.xml", len(BILLION_LAUGHS), "text/xml")
    run = imports.receive_upload(user=None, upload=upload)
    assert run.state == "failed"
    assert run.error.startswith("bomb.xml, line 3: ")
    assert run.error.endswith("a DOCTYPE is not allowed (entity declarations) (nothing imported)")
    assert list(imports_root.iterdir()) == []


@pytest.mark.django_db
def test_start_import_queues_an_uploaded_run_once(django_capture_on_commit_callbacks):
    run = queued_run(MYTHZ)
    ImportRun.objects.filter(pk=run.pk).update(state="uploaded")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = imports.start_import(run, dry_run=True, author_map={"mythz": "x"})
    assert len(callbacks) == 1
    assert (started.state, started.dry_run, started.author_map) == ("queued", True, {"mythz": "x"})
    with pytest.raises(ValueError):
        imports.start_import(run)


# --- progress -------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeStream:
    def tell(self):
        return 4096


@pytest.mark.parametrize(
    ("items", "seconds_per_item", "writes"),
    [
        (250, 0.0, 3),  # items 1, 101, 201: every 100 items when the clock does not move
        (10, 0.6, 5),  # items 1, 3, 5, 7, 9: every second when items come slowly
        (1, 0.0, 1),
    ],
)
def test_progress_is_written_every_n_items_or_second_not_per_item(items, seconds_per_item, writes):
    clock = FakeClock()
    writer = imports.ProgressWriter(7, FakeStream(), 8192, every_items=100, clock=clock)
    summary = ImportSummary()
    for n in range(1, items + 1):
        clock.now += seconds_per_item
        summary.items, summary.comments_read = n, 2 * n
        writer(summary)
    assert writer.writes == writes
    stored = imports.Progress(**cache.get(imports.progress_key(7)))
    assert stored.bytes_read == 4096 and stored.size == 8192 and stored.percent == 50
    assert stored.items <= items and stored.comments == 2 * stored.items


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_from_another_connection_while_the_import_runs(monkeypatch):
    """While the import's transaction is open, another thread (its own database connection)
    sees the run as running and its items moving; the final counts land in the row at the end."""
    seen = []
    real = imports.ProgressWriter.__call__

    def look_from_elsewhere(run_id):
        try:
            run = ImportRun.objects.get(pk=run_id)  # a separate connection
            seen.append((run.state, run.items_read, imports.live_progress(run)))
        finally:
            connection.close()

    def watched(self, summary):
        real(self, summary)
        if summary.items in (1, 40):
            assert transaction.get_connection().in_atomic_block  # inside the import's transaction
            other = threading.Thread(target=look_from_elsewhere, args=(run.pk,))
            other.start()
            other.join()

    monkeypatch.setattr(imports.ProgressWriter, "__call__", watched)
    monkeypatch.setattr(imports, "PROGRESS_EVERY_ITEMS", 1)
    run = queued_run(MYTHZ)
    imports.run_import(run.pk)
    assert [(state, items, p.items) for state, items, p in seen] == [
        ("running", 0, 1),
        ("running", 0, 40),
    ]
    assert 0 < seen[0][2].bytes_read < seen[1][2].bytes_read <= MYTHZ.stat().st_size
    run.refresh_from_db()
    assert run.state == "done" and run.items_read == 83


@pytest.mark.django_db
def test_live_progress_falls_back_to_the_row():
    run = ImportRun.objects.create(
        file_name="a.xml", size=100, state="done", items_read=5, comments_read=3
    )
    progress = imports.live_progress(run)
    assert (progress.items, progress.comments, progress.percent) == (5, 3, 100)
    queued = ImportRun.objects.create(file_name="b.xml", size=100)
    assert imports.live_progress(queued).percent == 0


@pytest.mark.django_db
def test_a_dry_run_lists_no_imported_posts():
    run = queued_run(MYTHZ, dry_run=True)
    imports.run_import(run.pk)
    run.refresh_from_db()
    assert run.state == "done" and run.counts["created"]["post"] > 0
    assert Post.objects.count() == 0 and Comment.objects.count() == 0
    assert not imports.imported_posts(run).exists()
