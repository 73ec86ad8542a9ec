"""The WordPress import from the web page: the upload kept privately, one `ImportRun` per file,
the import run by the worker, and its progress where the status page can see it.

The upload is streamed by `WxrUploadHandler` straight into `settings.IMPORTS_ROOT` (a folder
under the data directory that no URL serves) under a random name, counted as it arrives and
dropped past `settings.IMPORT_MAX_BYTES`. `start_import` records the run and enqueues
`plnet.publishing.tasks.run_wordpress_import` after commit; `run_import` (what the task calls)
imports the file with `plnet.publishing.wordpress.import_wxr` and removes it whatever happens.

Two steps, as WordPress's importer has: `receive_upload` stores the file as an "uploaded" run
and reads the author logins it declares (a file refused by then fails at once); the staff member
then chooses, per login, a new account or an existing user, and `start_import` queues the run.

**Where progress lives while a run is running.** `import_wxr` writes everything in one
transaction, so that a refused file leaves nothing behind. A progress count written to the
`ImportRun` row from inside it would stay invisible to every other connection until the very
end. Writing it through a second database connection does not work either: on SQLite the import
holds the database's one write lock for its whole length (IMMEDIATE transactions), so a second
writer waits for the import and the import waits for its own progress callback (a deadlock ended
only by the busy timeout); on PostgreSQL it works but costs a connection per run. So progress goes
to the cache, which every process of the site shares (a file cache under the data directory,
written atomically; see settings.CACHES): `ProgressWriter` stores items read, comments read and
the byte position of the stream at most every `PROGRESS_EVERY_ITEMS` items or
`PROGRESS_EVERY_SECONDS` seconds, whichever comes first, and `live_progress` reads it. The row
itself changes only in short transactions of its own, before the import (queued → running,
committed first, so other connections see "running") and after it (the final counts and summary,
or the error). The cache entry is also the run's heartbeat: a run that has not moved for
`STALE_AFTER_SECONDS` (the worker was stopped mid-import: its transaction rolled back) is
marked failed by the next upload, so it cannot hold the one import slot forever; an upload left
without author choices for `UNSTARTED_AFTER_SECONDS` is failed too, and its file removed, as is
the file a dry run kept for "Import it now" (`import_now`) that long after it ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.db import IntegrityError, transaction
from django.utils import timezone

from plnet.protocols import wxr
from plnet.protocols.wxr import WxrError

from .models import ImportRun, Post
from .wordpress import ImportSummary, import_wxr

logger = logging.getLogger(__name__)

PROGRESS_EVERY_ITEMS = 100
PROGRESS_EVERY_SECONDS = 1.0
STALE_AFTER_SECONDS = 15 * 60
UNSTARTED_AFTER_SECONDS = 60 * 60
# What a multipart form adds around the file (boundaries, the other fields): a request declaring
# more than the cap plus this is refused before its body is read.
FORM_ALLOWANCE = 64 * 1024


class ImportBusy(Exception):
    """Another import is queued or running (`run`); only one runs at a time."""

    def __init__(self, run: ImportRun):
        self.run = run
        super().__init__(f"import #{run.pk} is {run.state}")


# --- the upload --------------------------------------------------------------------------------


def imports_root() -> Path:
    """The private folder uploads wait in (created, owner-only, on first use)."""
    root = Path(settings.IMPORTS_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


class StoredUpload(UploadedFile):
    """An uploaded export already written to `path` under IMPORTS_ROOT (closed)."""

    def __init__(self, file, path: Path, name: str, size: int, content_type: str):
        super().__init__(file, name, content_type, size)
        self.path = path


class WxrUploadHandler(FileUploadHandler):
    """Streams the file of the form field `field_name` to a random name under IMPORTS_ROOT.

    Only one file is taken; any other file field is skipped. Past `max_bytes` the partial file
    is removed, `too_big` is set and reading stops (`StopUpload`). Whatever is not handed to an
    import must be removed with `discard()` (the view does it once the response is built).
    """

    def __init__(self, request=None, *, max_bytes: int, field_name: str = "file"):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.wanted_field = field_name
        self.path: Path | None = None
        self.file = None
        self.too_big = False
        self.claimed = False

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != self.wanted_field or self.path is not None:
            raise SkipFile()
        self.path = imports_root() / f"{secrets.token_hex(16)}.xml"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.file = os.fdopen(fd, "wb")

    def receive_data_chunk(self, raw_data, start):
        if self.file is None:
            return None
        if start + len(raw_data) > self.max_bytes:
            self.too_big = True
            self.discard()
            raise StopUpload(connection_reset=True)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.file is None:
            return None
        self.file.close()
        return StoredUpload(
            self.file, self.path, self.file_name or "export.xml", file_size, self.content_type
        )

    def discard(self) -> None:
        """Remove the stored file unless an import took it."""
        if self.file is not None:
            self.file.close()
        if self.path is not None and not self.claimed:
            self.path.unlink(missing_ok=True)


# --- starting, running, finishing ----------------------------------------------------------------


def receive_upload(*, user, upload: StoredUpload) -> ImportRun:
    """Record a stored upload as an "uploaded" run, with the author logins the file declares.

    Raises ImportBusy (nothing recorded; the caller keeps the file to remove) when another
    import is queued or running. A file refused while its authors are read (not XML, a DOCTYPE,
    not WXR…) ends the run failed at once, naming the line, and its file is removed.
    """
    with transaction.atomic():
        _refuse_when_busy()
        run = ImportRun.objects.create(
            user=user,
            file_name=(upload.name or "")[:255],
            size=upload.size,
            stored_name=upload.path.name,
        )
    try:
        run.authors = declared_authors(upload.path)
    except WxrError as exc:
        _end(run, ImportRun.State.FAILED, f"{run.file_name}, line {exc.line}: {exc.message}")
        _remove_upload(run)
    else:
        run.save(update_fields=["authors"])
    return run


def declared_authors(path: Path) -> list[str]:
    """The logins of the `<wp:author>` blocks, which come before the first item (WXR 1.1+;
    WXR 1.0 files declare none). Reads no further than the first item; raises WxrError."""
    logins: dict[str, None] = {}
    for record in wxr.parse(path):
        if isinstance(record, wxr.WxrItem):
            break
        if isinstance(record, wxr.WxrAuthor) and record.login.strip():
            logins[record.login.strip()] = None
    return list(logins)


def start_import(
    run: ImportRun,
    *,
    dry_run: bool = False,
    author_default: str = "",
    author_map: dict[str, str] | None = None,
) -> ImportRun:
    """Queue an uploaded run with its options and enqueue its task after commit.

    Raises ImportBusy when another import is queued or running, and ValueError when the run
    is no longer waiting for its options (started twice, cancelled)."""
    from .tasks import run_wordpress_import

    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.state != ImportRun.State.UPLOADED:
            raise ValueError(f"import #{run.pk} is {run.state}, not waiting for its options")
        _refuse_when_busy()
        run.dry_run, run.author_default = dry_run, author_default or ""
        run.author_map = author_map or {}
        run.move_to(ImportRun.State.QUEUED)
        run.save()
        transaction.on_commit(lambda: run_wordpress_import.enqueue(run.pk))
    return run


def _refuse_when_busy() -> None:
    fail_stale_runs()
    busy = ImportRun.objects.active().newest_first().first()
    if busy is not None:
        raise ImportBusy(busy)


def run_import(run_id: int) -> ImportRun | None:
    """Import the run's file (the task's body). Safe to run twice: only a queued run runs.

    Ends the run done with the summary, or failed with one line (a refused file names its line;
    nothing is imported, the import being one transaction). The stored file is removed and the
    progress forgotten in every case.
    """
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.state != ImportRun.State.QUEUED:
        return run
    if not _begin(run):
        return run
    try:
        summary = _import(run)
    except WxrError as exc:
        _end(run, ImportRun.State.FAILED, f"{run.file_name}, line {exc.line}: {exc.message}")
    except LookupError as exc:
        _end(run, ImportRun.State.FAILED, f"author options: {exc}")
    except OSError as exc:
        _end(run, ImportRun.State.FAILED, f"the uploaded file could not be read ({exc.strerror})")
    except Exception:
        logger.exception("import run %s stopped on an unexpected error", run.pk)
        _end(run, ImportRun.State.FAILED, "the import stopped on an unexpected error")
    else:
        _record_summary(run, summary)
        _end(run, ImportRun.State.DONE)
    finally:
        if not run.can_import_now:  # a dry run done keeps its file for "Import it now"
            _remove_upload(run)
        cache.delete(progress_key(run.pk))
    return run


def import_now(dry: ImportRun, user) -> ImportRun:
    """After a successful dry run, import its file for real with the same choices: a new run,
    queued (see `start_import`), that takes over the stored file. Raises ImportBusy when
    another import is queued or running (the file stays with the dry run), and ValueError when
    the run is not a dry run done whose file is still kept (imported already, or expired)."""
    with transaction.atomic():
        dry = ImportRun.objects.select_for_update().get(pk=dry.pk)
        if not dry.can_import_now:
            raise ValueError(f"import #{dry.pk} has no dry run's file left to import")
        run = ImportRun.objects.create(
            user=user, file_name=dry.file_name, size=dry.size, stored_name=dry.stored_name,
            authors=dry.authors,
        )  # fmt: skip
        ImportRun.objects.filter(pk=dry.pk).update(stored_name="")
        return start_import(run, author_default=dry.author_default, author_map=dict(dry.author_map))


def cancel_import(run: ImportRun, user) -> bool:
    """Cancel a run not started yet (uploaded, or waiting for the worker: the state
    "cancelled", `error` saying who) and remove its file; False if it had started. (A running
    import is not cancelled: it is one transaction and ends by itself.)"""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().filter(pk=run.pk).first()
        if locked is None or locked.state not in {
            ImportRun.State.UPLOADED,
            ImportRun.State.QUEUED,
        }:
            return False
        locked.move_to(ImportRun.State.CANCELLED, f"by {user} before it started")
        locked.save()
    _remove_upload(locked)
    return True


def fail_stale_runs() -> int:
    """Fail the running runs whose progress has not moved for STALE_AFTER_SECONDS (their
    worker stopped; the import's transaction was rolled back), and the uploads left without
    author choices for UNSTARTED_AFTER_SECONDS (their files removed). Returns how many."""
    failed = 0
    left = timezone.now() - dt.timedelta(seconds=UNSTARTED_AFTER_SECONDS)
    for run in ImportRun.objects.filter(state=ImportRun.State.UPLOADED, created_at__lt=left):
        run.move_to(ImportRun.State.FAILED, "not started within an hour of its upload")
        run.save()
        _remove_upload(run)
        failed += 1
    kept = ImportRun.objects.filter(state=ImportRun.State.DONE, dry_run=True, finished_at__lt=left)
    for run in kept.exclude(stored_name=""):  # a dry run's file, not imported within the hour
        _remove_upload(run)
    for run in ImportRun.objects.running():
        last = _heartbeat(run)
        if last is not None and time.time() - last < STALE_AFTER_SECONDS:
            continue
        run.move_to(ImportRun.State.FAILED, "stopped without finishing (the worker was stopped?)")
        run.save()
        _remove_upload(run)
        failed += 1
    return failed


def _begin(run: ImportRun) -> bool:
    """Queued → running, committed at once; False (the run failed) when another one runs."""
    try:
        with transaction.atomic():
            run.move_to(ImportRun.State.RUNNING)
            run.save(update_fields=["state", "started_at", "error"])
    except IntegrityError:  # one_running_import: another worker took the slot first
        run.state, run.started_at = ImportRun.State.QUEUED, None
        _end(run, ImportRun.State.FAILED, "another import was running; upload the file again")
        _remove_upload(run)
        return False
    cache.set(progress_key(run.pk), _progress_data(0, 0, 0, run.size), STALE_AFTER_SECONDS * 2)
    return True


def _import(run: ImportRun) -> ImportSummary:
    with stored_path(run).open("rb") as stream:
        summary = import_wxr(
            stream,
            progress=ProgressWriter(
                run.pk,
                stream,
                run.size,
                every_items=PROGRESS_EVERY_ITEMS,
                every_seconds=PROGRESS_EVERY_SECONDS,
            ),
            author_default=run.author_default or None,
            author_map=run.author_map or None,
            dry_run=run.dry_run,
        )
    summary.file = run.file_name
    return summary


def _record_summary(run: ImportRun, summary: ImportSummary) -> None:
    run.site = summary.site[:1000]
    run.items_read, run.comments_read = summary.items, summary.comments_read
    run.counts = {
        name: dict(getattr(summary, name))
        for name in ("created", "updated", "unchanged", "comments", "skipped", "notes", "kept")
    }
    run.summary_lines = summary.lines()


def _end(run: ImportRun, state: str, error: str = "") -> None:
    if error:
        error = f"{error} (nothing imported)"
    run.move_to(state, error)
    run.save()


def stored_path(run: ImportRun) -> Path:
    return Path(settings.IMPORTS_ROOT) / run.stored_name


def _remove_upload(run: ImportRun) -> None:
    if run.stored_name:
        stored_path(run).unlink(missing_ok=True)
        run.stored_name = ""
        ImportRun.objects.filter(pk=run.pk).update(stored_name="")


# --- progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far a run is: items and comments read, `bytes_read` of the file's `size`, and when
    this was written (`at`, seconds since the epoch)."""

    items: int
    comments: int
    bytes_read: int
    size: int
    at: float

    @property
    def percent(self) -> int | None:
        """Whole percent of the file read (byte position over size); None when unknown."""
        if not self.size:
            return None
        return min(100, self.bytes_read * 100 // self.size)


def progress_key(run_id: int) -> str:
    return f"publishing:import-run:{run_id}:progress"


def _progress_data(items: int, comments: int, bytes_read: int, size: int) -> dict:
    return dataclasses.asdict(Progress(items, comments, bytes_read, size, time.time()))


def _heartbeat(run: ImportRun) -> float | None:
    data = cache.get(progress_key(run.pk))
    if data:
        return data["at"]
    return run.started_at.timestamp() if run.started_at else None


class ProgressWriter:
    """`import_wxr`'s progress callback: writes the run's progress to the shared cache on the
    first item, then when `every_items` items or `every_seconds` seconds have passed since the
    last write (never per item). The byte position is `stream.tell()`, where lxml has read to."""

    def __init__(
        self,
        run_id: int,
        stream,
        size: int,
        *,
        every_items: int = PROGRESS_EVERY_ITEMS,
        every_seconds: float = PROGRESS_EVERY_SECONDS,
        clock=time.monotonic,
    ):
        self.key, self.stream, self.size = progress_key(run_id), stream, size
        self.every_items, self.every_seconds, self.clock = every_items, every_seconds, clock
        self.last_items, self.last_time = None, clock()
        self.writes = 0

    def __call__(self, summary: ImportSummary) -> None:
        now = self.clock()
        if self.last_items is not None and (
            summary.items - self.last_items < self.every_items
            and now - self.last_time < self.every_seconds
        ):
            return
        data = _progress_data(summary.items, summary.comments_read, self.stream.tell(), self.size)
        cache.set(self.key, data, STALE_AFTER_SECONDS * 2)
        self.last_items, self.last_time = summary.items, now
        self.writes += 1


def live_progress(run: ImportRun) -> Progress:
    """The run's progress: from the shared cache while it runs, else from its row."""
    if run.state == ImportRun.State.RUNNING:
        data = cache.get(progress_key(run.pk))
        if data:
            return Progress(**data)
    done = run.state == ImportRun.State.DONE
    finished = run.finished_at.timestamp() if run.finished_at else time.time()
    return Progress(run.items_read, run.comments_read, run.size if done else 0, run.size, finished)


def imported_posts(run: ImportRun):
    """The posts and pages this run created or updated (saved while it ran), newest first;
    none for a dry run or a run that did not finish."""
    if run.state != ImportRun.State.DONE or run.dry_run or not run.started_at:
        return Post.objects.none()
    return Post.objects.filter(
        wp_site=run.site,
        wp_post_id__isnull=False,
        updated_at__gte=run.started_at,
        updated_at__lte=run.finished_at or timezone.now(),
    ).order_by("-published_at", "-id")
