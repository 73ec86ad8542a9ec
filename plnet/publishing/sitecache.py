"""What pages show about the site's published posts as a whole — the navigation (top-level
pages, top-level categories, archive years), a post's previous and next posts, its number in
its author's story — kept in the cache every process of the site shares (settings.CACHES: a
directory under PLNET_DATA_DIR), so a page does not ask the database for them each time.

Everything kept here sits under a key that carries the *publishing version*.
`published_changed()` moves the version; publishing's services call it whenever a post, page or
category is saved, published or deleted (the editor, the admin, the scheduler), and the
WordPress import once at its end. It moves at once and again after the transaction commits: a
request that read the database between the two, and stored what it built under the version of
that moment, left it under a key nobody asks for any more, so no reader sees a stale menu or a
renamed neighbour. Entries also expire after KEEP_SECONDS, a safety net for a row changed
outside the services (by hand in a database shell, say).

The version is the moment it moved (nanoseconds since the epoch, in hex), so `changed_at()` also
says when what is published last changed: the feeds' Last-Modified is never older than it, and
so never goes back when the newest post is trashed, deleted or unpublished.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

T = TypeVar("T")
KEEP_SECONDS = 600
VERSION_KEY = "publishing:version"


def version() -> str:
    """The current publishing version (created on first use)."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, _new_version(), None)
        current = cache.get(VERSION_KEY) or _new_version()
    return current


def changed_at() -> datetime:
    """When publishing last changed something (an aware UTC datetime): the moment the current
    version was made. A version lost from the cache is made again now, so this only ever moves
    forward."""
    try:
        return datetime.fromtimestamp(int(version(), 16) / 1e9, UTC)
    except ValueError:  # not one of ours: treat the change as happening now
        _bump()
        return timezone.now()


def remember(name: str, build: Callable[[], T], *parts) -> T:
    """`build()`'s result, kept under name and parts (reprs of small values) for the current
    publishing version and time zone (dates are cut in the site's zone); built and stored when
    missing. What build returns must pickle and must depend only on published posts, pages
    and categories."""
    facts = repr((timezone.get_current_timezone_name(), parts)).encode()
    key = f"publishing:{version()}:{name}:{hashlib.md5(facts, usedforsecurity=False).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, KEEP_SECONDS)
    return value


def published_changed() -> None:
    """Make what is kept here be built again, from the next request on.

    The version moves at once (this transaction's own requests, and tests that never commit,
    see the change) and again once the transaction commits (see the module's docstring). A
    rolled-back change costs one rebuild, nothing more."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, _new_version(), None)


def _new_version() -> str:
    return f"{time.time_ns():x}"
