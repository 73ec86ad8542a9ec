"""The reader's verbs: subscribe, fetch and store, schedule, and what a member does in the river.

Fetching is split in two: `download(source)` does the network part (one guarded request through
`plnet.core.http.fetch`, conditional headers, parse) and touches no database, so many can run in
threads; `apply_download(source, download)` stores the result in one transaction (entries
deduplicated and sanitised, validators, state, schedule). `fetch_source(id)` does both for one
source (the task), `fetch_many(ids)` for many with a thread pool and a per-host limit.

OPML, sharing, read state and tokens live in `plnet.reader.actions` (re-exported here).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from statistics import median

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plnet.core import http
from plnet.core.html import clean_html
from plnet.protocols.discovery import COMMON_PATHS, candidate_urls, feed_links
from plnet.protocols.feeds import (
    FeedEntry,
    FeedError,
    NotAFeed,
    ParsedFeed,
    http_url,
    parse_feed,
    plain_text,
)
from plnet.reader import search
from plnet.reader.models import (
    Entry,
    Folder,
    Person,
    Source,
    Subscription,
)
from plnet.reader.unread import entries_changed

log = logging.getLogger("plnet.reader")

ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
MAX_BACKOFF = timedelta(hours=24)
EXCERPT_CHARS = 300
WORKERS = 8


def min_interval() -> timedelta:
    """The shortest time between two fetches of a source (PLNET_FEED_MIN_INTERVAL_MINUTES)."""
    return timedelta(minutes=settings.PLNET.feed_min_interval_minutes)


def max_interval() -> timedelta:
    """The longest time between two fetches of a healthy source (PLNET_FEED_MAX_INTERVAL_MINUTES)."""
    return timedelta(minutes=settings.PLNET.feed_max_interval_minutes)


class SubscribeError(Exception):
    """Subscribing failed; str() is a sentence for the member."""


@dataclass
class Download:
    """The outcome of one fetch of a source, before anything is stored.

    Exactly one of: `error` (a sentence), `not_modified`, `gone`, or `feed` (parsed).
    `retry_after` is when the server asked us to come back (429/503 Retry-After).
    """

    url: str
    status: int | None = None
    final_url: str = ""
    permanent_redirect: bool = False
    etag: str = ""
    last_modified: str = ""
    feed: ParsedFeed | None = None
    not_modified: bool = False
    gone: bool = False
    error: str = ""
    retry_after: datetime | None = None
    fetched_at: datetime = field(default_factory=timezone.now)


# --- network half ------------------------------------------------------------------------


def conditional_headers(source: Source) -> dict[str, str]:
    """Accept plus If-None-Match / If-Modified-Since from the source's stored validators (RFC 9110 §13.1)."""
    headers = {"Accept": ACCEPT}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), bounded to MAX_BACKOFF."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        when = now + timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    return min(max(when, now), now + MAX_BACKOFF)


def download(
    source: Source,
    *,
    resolver: http.Resolver | None = None,
    session: http.Session | None = None,
    keep_alive: bool = True,
) -> Download:
    """Fetch and parse a source (no database access). Never raises for network or feed faults.

    With `session` (fetch_many's), the request uses its kept connections and its resolver;
    `keep_alive=False` asks the server to close the connection after this answer (RFC 9112 §9.6),
    for the last source of a host in the batch, so no idle connection is left open for nothing.
    """
    result = Download(url=source.url)
    try:
        if session is not None:
            headers = conditional_headers(source)
            if not keep_alive:
                headers["Connection"] = "close"
            response = session.fetch(source.url, headers=headers)
        else:
            response = http.fetch(
                source.url, headers=conditional_headers(source), resolver=resolver
            )
    except http.FetchError as exc:
        result.error = str(exc)
        return result
    result.status, result.final_url = response.status, response.url
    result.permanent_redirect = response.permanent
    if response.status == 304:
        result.not_modified = True
    elif response.status == 410:
        result.gone = True
    elif response.status in {429, 503}:
        result.retry_after = parse_retry_after(response.headers.get("retry-after"), timezone.now())
        result.error = f"the server asked us to slow down (HTTP {response.status})"
    elif response.status != 200:
        result.error = f"the server answered HTTP {response.status}"
    else:
        result.etag = response.headers.get("etag", "")[:500]
        result.last_modified = response.headers.get("last-modified", "")[:100]
        try:
            result.feed = parse_feed(
                response.content, response.url, response.headers.get("content-type", "")
            )
        except FeedError as exc:
            result.error = str(exc)
        except Exception as exc:  # a parser bug must not stop the other sources
            log.exception("parser failed on %s", source.url)
            result.error = f"the feed could not be parsed ({exc.__class__.__name__})"
    return result


# --- storing half ------------------------------------------------------------------------


def _entry_values(item: FeedEntry, now: datetime) -> dict:
    """The Entry fields for a parsed item. Links and enclosures are kept only when they are
    absolute http(s) URLs: they become hrefs on our pages and in the API (the parsers already
    filter them; this holds for any FeedEntry whatever made it)."""
    raw = item.content_html or item.summary_html
    content = clean_html(raw, base_url=item.content_base or None) if raw else ""
    excerpt_source = item.summary_html or item.content_html
    excerpt = plain_text(excerpt_source)[:EXCERPT_CHARS] if excerpt_source else ""
    digest = hashlib.sha256(
        "\x00".join(
            [item.title, item.link, raw, str(item.published), str(item.updated), item.author]
            + [e.url for e in item.enclosures]
        ).encode("utf-8", "replace")
    ).hexdigest()
    return {
        "guid": item.guid[:1000],
        "link": http_url("", item.link)[:2000],
        "title": item.title[:1000],
        "author": item.author[:500],
        "content_html": content,
        "excerpt": excerpt,
        "enclosures": [e.as_dict() for e in item.enclosures if http_url("", e.url) == e.url],
        "published_at": item.date,
        "updated_at": item.updated,
        "content_hash": digest,
    }


@dataclass(frozen=True)
class StoreResult:
    """How many entries a fetch added and updated (unchanged ones are not counted)."""

    added: int = 0
    updated: int = 0


def store_entries(
    source: Source, items: Iterable[FeedEntry], now: datetime | None = None
) -> StoreResult:
    """Insert new entries and update changed ones in place, deduplicated by `dedup_key`
    (guid, else link, else title+date). Call inside a transaction. Missing dates become `now`,
    and so do dates in the future (a misdated entry would otherwise stay on top of the river
    until its date came); an update keeps the stored date rather than move it to a later now.
    """
    now = now or timezone.now()
    unique: dict[str, FeedEntry] = {}
    for item in items:
        unique.setdefault(item.dedup_key, item)
    existing: dict[str, Entry] = {}
    keys = list(unique)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for entry in Entry.objects.filter(source=source, dedup_key__in=chunk).only(
            "id", "dedup_key", "content_hash", "published_at"
        ):
            existing[entry.dedup_key] = entry
    new, changed = [], []
    for key, item in unique.items():
        values = _entry_values(item, now)
        old = existing.get(key)
        published = values["published_at"]
        if published is not None and published > now:
            published = None  # from the future: clamped to the fetch time
        if values["updated_at"] is not None and values["updated_at"] > now:
            values["updated_at"] = now
        if old is None:
            values["published_at"] = published or now
            new.append(Entry(source=source, dedup_key=key, first_seen_at=now, **values))
        elif old.content_hash != values["content_hash"]:
            values["published_at"] = published or old.published_at
            for name, value in values.items():
                setattr(old, name, value)
            changed.append(old)
    created = Entry.objects.bulk_create(new, batch_size=500)
    if changed:
        Entry.objects.bulk_update(changed, UPDATE_FIELDS, batch_size=200)
    search.index_entries(created + changed)
    if created:
        entries_changed()
    return StoreResult(added=len(created), updated=len(changed))


UPDATE_FIELDS = [
    "guid", "link", "title", "author", "content_html", "excerpt", "enclosures",
    "published_at", "updated_at", "content_hash",
]  # fmt: skip


def adaptive_interval(source: Source) -> timedelta:
    """Half the median gap between the source's last 10 entries, within min_interval() ..
    max_interval() (the PLNET_FEED_*_INTERVAL_MINUTES settings).

    With the defaults (15 minutes, 24 hours), a source that publishes every hour is fetched every
    30 minutes, one that publishes weekly once a day.
    """
    lowest, highest = min_interval(), max_interval()
    dates = list(
        source.entries.order_by("-published_at").values_list("published_at", flat=True)[:10]
    )
    if len(dates) < 2:
        current = timedelta(seconds=source.fetch_interval) if source.fetch_interval else lowest
        return min(max(current, lowest), highest)
    gaps = [(a - b).total_seconds() for a, b in zip(dates, dates[1:], strict=False)]
    half = timedelta(seconds=median(gaps) / 2)
    return min(max(half, lowest), highest)


def backoff(error_count: int) -> timedelta:
    """Exponential backoff after `error_count` consecutive errors: min_interval(), twice that,
    four times, … up to MAX_BACKOFF (24 h). With the default 15 minutes: 15, 30, 60, …"""
    return min(min_interval() * (2 ** max(error_count - 1, 0)), MAX_BACKOFF)


def _record_error(source: Source, message: str, now: datetime, retry_after=None) -> None:
    source.error_count += 1
    source.move_to(Source.State.ERROR, message[:2000])
    source.next_fetch_at = retry_after or now + backoff(source.error_count)


def _follow_redirect(source: Source, download: Download) -> None:
    new_url = download.final_url
    if not download.permanent_redirect or not new_url or new_url == source.url:
        return
    if Source.objects.filter(url=new_url).exclude(pk=source.pk).exists():
        return  # another source already has that URL; keep ours rather than merge silently
    source.url = new_url


def apply_download(source: Source, download: Download) -> StoreResult:
    """Store a Download on its source: entries, validators, state, last error and next fetch time.

    A 304 for content that could not be read keeps the source's error (the content is unchanged,
    so it is still broken) without counting another failure. A 304 on a healthy source is one
    UPDATE (the common case of a refresh).
    """
    if download.not_modified and source.state == Source.State.OK:
        now = download.fetched_at
        healthy = Source.objects.filter(pk=source.pk, state=Source.State.OK, content_error=False)
        if healthy.update(
            last_fetched_at=now,
            last_status=304,
            next_fetch_at=now + timedelta(seconds=source.fetch_interval),
        ):
            return StoreResult()
    return _apply_download(source, download)


@transaction.atomic
def _apply_download(source: Source, download: Download) -> StoreResult:
    source = Source.objects.select_for_update().get(pk=source.pk)
    now = download.fetched_at
    source.last_fetched_at = now
    source.last_status = download.status
    if download.status == 200:
        # Kept even when the content is refused: an unchanged broken feed then costs a 304.
        source.etag, source.last_modified = download.etag, download.last_modified
    result = StoreResult()
    if download.gone:
        source.move_to(
            Source.State.GONE, "the feed is gone (HTTP 410): it will not be fetched again"
        )
    elif download.error:
        _record_error(source, download.error, now, download.retry_after)
        source.content_error = download.status == 200
    elif download.not_modified and source.content_error:
        source.next_fetch_at = now + backoff(source.error_count)
    else:
        _follow_redirect(source, download)
        if download.feed is not None:
            result = _apply_feed(source, download, now)
        source.error_count = 0
        source.content_error = False
        source.move_to(Source.State.OK)
        if result.added or not source.last_new_entry_at:
            source.fetch_interval = int(adaptive_interval(source).total_seconds())
        source.next_fetch_at = now + timedelta(seconds=source.fetch_interval)
    source.save()
    return result


def _apply_feed(source: Source, download: Download, now: datetime) -> StoreResult:
    feed = download.feed
    source.title = (feed.title or source.title)[:500]
    source.site_url = (http_url("", feed.link) or source.site_url)[:2000]
    source.format = feed.format[:20]
    source.last_warning = feed.warning[:2000]
    result = store_entries(source, feed.entries, now)
    if result.added:
        source.last_new_entry_at = now
    return result


def fetch_source(source_id: int, *, resolver: http.Resolver | None = None) -> StoreResult | None:
    """Fetch one source now and store what came back (the fetch task calls this).

    Returns None when the source no longer exists or is gone.
    """
    source = Source.objects.filter(pk=source_id).first()
    if source is None or source.state == Source.State.GONE:
        return None
    return apply_download(source, download(source, resolver=resolver))


class HostLimiter:
    """At most `limit` requests at a time to one host, across threads."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}

    def __call__(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._semaphores.setdefault(host, threading.Semaphore(self.limit))


def fetch_many(
    source_ids: Iterable[int],
    *,
    workers: int = WORKERS,
    per_host: int | None = None,
    progress: Callable[[Source, Download], None] | None = None,
    resolver: http.Resolver | None = None,
) -> dict[str, int]:
    """Fetch many sources: downloads in a thread pool (per-host limit), stores in this thread.

    The downloads share one `http.Session`, so sources on the same host reuse a kept-alive
    connection; the last source of each host asks for the connection to be closed.
    `per_host` defaults to PLNET_FEED_HOST_LIMIT.
    Returns counts by outcome: ok, not_modified, error, gone, added (entries).
    """
    sources = list(Source.objects.filter(pk__in=list(source_ids)).exclude(state=Source.State.GONE))
    limiter = HostLimiter(per_host or settings.PLNET.feed_host_limit)
    counts = {"ok": 0, "not_modified": 0, "error": 0, "gone": 0, "added": 0}
    hosts = {source.pk: source.host for source in sources}
    last_of_host = {host: pk for pk, host in hosts.items()}

    def work(source: Source) -> Download:
        host = hosts[source.pk]
        with limiter(host):
            return download(source, session=session, keep_alive=last_of_host[host] != source.pk)

    unchanged = NotModifiedBatch()
    with (
        http.Session(http.default_policy(), resolver) as session,
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        for source, result in _in_order(pool, work, sources, ahead=max(1, workers) * 4):
            if not unchanged.add(source, result):
                counts["added"] += apply_download(source, result).added
            outcome = (
                "gone" if result.gone else "error" if result.error
                else "not_modified" if result.not_modified else "ok"
            )  # fmt: skip
            counts[outcome] += 1
            if progress:
                progress(source, result)
    unchanged.flush()
    return counts


def _in_order(pool: ThreadPoolExecutor, work, sources: list[Source], ahead: int):
    """(source, work(source)) in order, with at most `ahead` downloads running or waiting to be
    stored: pool.map would start them all and hold every parsed feed in memory."""
    pending: deque = deque()
    for source in sources:
        pending.append((source, pool.submit(work, source)))
        if len(pending) >= ahead:
            first, future = pending.popleft()
            yield first, future.result()
    while pending:
        first, future = pending.popleft()
        yield first, future.result()


class NotModifiedBatch:
    """304 answers stored together: one UPDATE per group instead of a SELECT and a save per source
    (a refresh of a large network is mostly 304s).

    Two kinds are batched: healthy sources (next fetch after their interval) and sources whose
    content could not be read (unchanged, so still broken: next fetch after their backoff, the
    error kept, no failure counted). Each UPDATE re-checks the state it was decided on, so a
    source changed meanwhile (refreshed by hand, marked gone) is left alone.
    """

    def __init__(self, size: int = 500):
        self.size = size
        self.pending: dict[tuple[bool, int], list[int]] = {}
        self.count = 0

    @staticmethod
    def _group(source: Source) -> tuple[bool, int] | None:
        if source.state == Source.State.OK and not source.content_error:
            return True, source.fetch_interval
        if source.state == Source.State.ERROR and source.content_error:
            return False, int(backoff(source.error_count).total_seconds())
        return None

    def add(self, source: Source, result: Download) -> bool:
        """Queue the 304 of a healthy or content-error source; False when it needs the full
        apply_download (a 304 after a network error, for instance, makes the source ok again)."""
        group = self._group(source) if result.not_modified else None
        if group is None:
            return False
        self.pending.setdefault(group, []).append(source.pk)
        self.count += 1
        if self.count >= self.size:
            self.flush()
        return True

    def flush(self) -> None:
        now = timezone.now()
        for (healthy, delay), ids in self.pending.items():
            still = (
                {"state": Source.State.OK, "content_error": False}
                if healthy
                else {"state": Source.State.ERROR, "content_error": True}
            )
            Source.objects.filter(pk__in=ids, **still).update(
                last_fetched_at=now,
                last_status=304,
                next_fetch_at=now + timedelta(seconds=delay),
            )
        self.pending, self.count = {}, 0


# --- subscribing -------------------------------------------------------------------------


def _try_feed(url: str, resolver) -> tuple[Download, http.FetchResponse] | None:
    try:
        response = http.fetch(url, headers={"Accept": ACCEPT}, resolver=resolver)
    except http.FetchError:
        return None
    if response.status != 200:
        return None
    try:
        feed = parse_feed(response.content, response.url, response.headers.get("content-type", ""))
    except FeedError:
        return None
    return _download_from(response, feed), response


def _download_from(response: http.FetchResponse, feed: ParsedFeed) -> Download:
    return Download(
        url=response.url,
        status=response.status,
        final_url=response.url,
        etag=response.headers.get("etag", "")[:500],
        last_modified=response.headers.get("last-modified", "")[:100],
        feed=feed,
    )


def discover(url: str, *, resolver: http.Resolver | None = None) -> Download:
    """Find the feed for a URL: the URL itself if it is a feed; else the page's
    <link rel="alternate"> feeds; else its h-feed; else the usual paths (/feed, /rss, …).

    Returns the parsed Download of the feed found. Raises SubscribeError with a clear sentence.
    """
    try:
        response = http.fetch(url, headers={"Accept": ACCEPT}, resolver=resolver)
    except http.FetchError as exc:
        raise SubscribeError(f"Could not fetch {url}: {exc}") from None
    if response.status != 200:
        raise SubscribeError(f"{url} answered HTTP {response.status} instead of a page or feed.")
    content_type = response.headers.get("content-type", "")
    is_page = b"<html" in response.content[:2048].lower() or "html" in content_type.lower()
    if is_page:
        for link in feed_links(response.content, response.url):
            found = _try_feed(link.url, resolver)
            if found:
                return found[0]
    try:
        return _download_from(response, parse_feed(response.content, response.url, content_type))
    except NotAFeed:
        pass
    except FeedError as exc:
        raise SubscribeError(f"{url} is not a feed plnet can read: {exc}") from None
    for candidate in candidate_urls(response.url):
        found = _try_feed(candidate, resolver)
        if found:
            return found[0]
    tried = ", ".join(COMMON_PATHS)
    raise SubscribeError(
        f'No feed found at {url}: the page has no <link rel="alternate"> to a feed, and none '
        f"of {tried} on its site answered with a feed."
    )


def folder_named(user, name: str) -> Folder | None:
    """The member's folder with this name, created when missing; None for a blank name."""
    name = (name or "").strip()[:200]
    if not name:
        return None
    return Folder.objects.get_or_create(user=user, name=name)[0]


def person_named(user, name: str) -> Person | None:
    """The member's person with this name, created when missing; None for a blank name."""
    name = (name or "").strip()[:200]
    if not name:
        return None
    return Person.objects.get_or_create(user=user, name=name)[0]


def subscribe(
    user,
    url: str,
    *,
    person: Person | None = None,
    folder: Folder | None = None,
    title: str = "",
    resolver: http.Resolver | None = None,
) -> Subscription:
    """Follow the feed at `url` (a feed URL or a site's URL, discovered), storing its entries.

    A source already known by that URL is reused (fetched once for all members). Subscribing
    twice returns the existing subscription, never a second one: a person or folder given moves
    it there, a blank one keeps what it had. The returned subscription says what happened in
    two attributes: `created` (bool) and `changes`, a list of (field, old, new) for "person" and
    "folder" with the old and new Person/Folder or None (empty when created or nothing moved).
    Raises SubscribeError with a clear sentence.
    """
    url = url.strip()
    try:
        http.check_url(url)
    except http.InvalidURL as exc:
        raise SubscribeError(str(exc)) from None
    source = Source.objects.filter(url=url).first()
    found = None if source else discover(url, resolver=resolver)
    with transaction.atomic():
        if source is None:
            source = _source_for(found)
        subscription, created = Subscription.objects.get_or_create(
            user=user,
            source=source,
            defaults={"person": person, "folder": folder, "title": title[:500]},
        )
        changes = [] if created else _refile(subscription, person=person, folder=folder)
    subscription.created, subscription.changes = created, changes
    return subscription


def unsubscribe(subscription: Subscription) -> dict:
    """Stop following: delete the subscription (the source, its entries and the member's read
    marks stay, for other members and for an undo). Returns what `resubscribe` needs to put it
    back: {"source": id, "title": str, "person": id or None, "folder": id or None}."""
    kept = {
        "source": subscription.source_id,
        "title": subscription.title,
        "person": subscription.person_id,
        "folder": subscription.folder_id,
    }
    subscription.delete()
    return kept


def resubscribe(user, kept: dict) -> Subscription | None:
    """Undo `unsubscribe`: follow the source again with its title, person and folder (a person
    or folder removed meanwhile, or not the member's, is left out). Following it again
    meanwhile is kept as it is. None when the source no longer exists; ValueError when `kept`
    is not of unsubscribe's shape."""
    source = Source.objects.filter(pk=int(kept["source"])).first()
    if source is None:
        return None
    person = Person.objects.filter(user=user, pk=kept.get("person") or None).first()
    folder = Folder.objects.filter(user=user, pk=kept.get("folder") or None).first()
    subscription, _ = Subscription.objects.get_or_create(
        user=user,
        source=source,
        defaults={"title": str(kept.get("title") or "")[:500], "person": person, "folder": folder},
    )
    return subscription


def _refile(subscription: Subscription, **given) -> list[tuple[str, object, object]]:
    """Move an existing subscription to the person/folder given (None keeps the old one);
    returns the (field, old, new) moves made."""
    changes = [
        (name, getattr(subscription, name), new)
        for name, new in given.items()
        if new is not None and new != getattr(subscription, name)
    ]
    for name, _, new in changes:
        setattr(subscription, name, new)
    if changes:
        subscription.save(update_fields=[name for name, _, _ in changes])
    return changes


def _source_for(found: Download) -> Source:
    existing = Source.objects.filter(url=found.final_url).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            source = Source.objects.create(url=found.final_url)
    except IntegrityError:
        return Source.objects.get(url=found.final_url)
    apply_download(source, found)
    source.refresh_from_db()
    return source


def refresh_now(source: Source) -> None:
    """Ask for a fetch as soon as the worker runs (a gone source is given another chance)."""
    if source.state == Source.State.GONE:
        source.move_to(Source.State.NEW)
    source.next_fetch_at = timezone.now()
    source.save(update_fields=["state", "last_error", "state_changed_at", "next_fetch_at"])
    from plnet.reader.tasks import fetch_source_task

    source_id = source.pk
    transaction.on_commit(lambda: fetch_source_task.enqueue(source_id))


# Sources per fetch task. Measured with bench_fetch (1,000 feeds, all answering 304): batches of
# 200 refresh in ~1.7 s against ~2.1 s for batches of 50 (each batch pays a SELECT, a thread
# pool, a Session and an UPDATE, and drains its pipeline); a task of 200 feeds on the web, 8 at a
# time, still ends within a minute or so.
BATCH_SIZE = 200


def enqueue_due(limit: int = 1000) -> int:
    """Enqueue fetch tasks for the due sources (the periodic tick), BATCH_SIZE sources per task
    so the worker fetches them together (thread pool, per-host limit). Returns how many sources.

    Each due source's next_fetch_at is pushed a little ahead so that the next tick does not
    enqueue it again while its task waits; the fetch sets the real next time.
    """
    now = timezone.now()
    ids = list(
        Source.objects.due(now)
        .followed()
        .order_by("next_fetch_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue_fetches(ids, now)
    return len(ids)


def fetch_first_soon(source_ids) -> int:
    """Enqueue now, after commit, the first fetch of the never-fetched sources among
    `source_ids` (new subscriptions from an OPML import), in batches as the tick does, rather
    than leave them to the worker's next tick. Returns how many sources were queued."""
    ids = list(
        Source.objects.filter(
            pk__in=list(source_ids), state=Source.State.NEW, last_fetched_at__isnull=True
        ).values_list("pk", flat=True)
    )
    _enqueue_fetches(ids, timezone.now())
    return len(ids)


def _enqueue_fetches(ids: list[int], now) -> None:
    """Push each source's next_fetch_at a little ahead (so the tick does not enqueue it again
    while its task waits; the fetch sets the real next time) and enqueue fetch tasks of
    BATCH_SIZE sources after commit."""
    from plnet.reader.tasks import fetch_sources_task

    Source.objects.filter(pk__in=ids).update(next_fetch_at=now + min_interval())
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        transaction.on_commit(lambda batch=batch: fetch_sources_task.enqueue(batch))
