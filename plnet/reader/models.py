"""The reader's data: what each member follows, what plnet fetched, and what each member did with it.

- `Source` is one fetched feed, by URL, shared by every member who follows it (fetched once).
  It carries the fetch state: conditional-GET validators, schedule, backoff and last error.
- `Subscription` is a member following a source, optionally under a `Person` and in a `Folder`.
- `Entry` is one item of a source (deduplicated per source by `dedup_key`), sanitised on the way in.
- `EntryState` holds a member's read/starred marks (rows only for entries touched).
- `ReadMarksVersion` numbers the changes of a member's read marks (the key of their cached
  unread counts, see plnet/reader/unread.py) and is the lock that puts those changes in order.
- `Share` records an entry a member passed on, and the bookmark post it became.
- `ApiToken` is a per-member token for the JSON API; only its SHA-256 is stored.
See docs/decisions/0003-reader-model.md.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

DEFAULT_INTERVAL = timedelta(hours=1)


class Folder(models.Model):
    """A member's folder for sources and people."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_folders"
    )
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="folder_unique_name")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone a member follows, grouping several sources, with a note on how they know them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_people"
    )
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=1000, blank=True)
    note = models.TextField(blank=True, help_text="How you know them.")
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="person_unique_name")]

    def __str__(self) -> str:
        return self.name


class SourceQuerySet(models.QuerySet):
    def due(self, now=None):
        """Sources whose next fetch time has come (gone sources are never due)."""
        now = now or timezone.now()
        return self.exclude(state=Source.State.GONE).filter(next_fetch_at__lte=now)

    def followed(self):
        """Sources at least one member subscribes to."""
        return self.filter(subscriptions__isnull=False).distinct()


class Source(models.Model):
    """A feed plnet fetches, by URL, shared by all its subscribers.

    Lifecycle (`state`, moved only by `move_to`): new → ok | error | gone; ok ↔ error; any → gone
    on HTTP 410; gone → new when a member asks to refresh it. `error_count` drives the backoff;
    `fetch_interval` (seconds) adapts to how often the source publishes, within
    PLNET_FEED_MIN_INTERVAL_MINUTES..PLNET_FEED_MAX_INTERVAL_MINUTES.
    """

    class State(models.TextChoices):
        NEW = "new", "Not fetched yet"
        OK = "ok", "OK"
        ERROR = "error", "Error"
        GONE = "gone", "Gone"

    TRANSITIONS = {
        State.NEW: {State.OK, State.ERROR, State.GONE},
        State.OK: {State.OK, State.ERROR, State.GONE},
        State.ERROR: {State.OK, State.ERROR, State.GONE},
        State.GONE: {State.NEW},
    }

    url = models.URLField(max_length=2000, unique=True)
    title = models.CharField(max_length=500, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    format = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    state_changed_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    content_error = models.BooleanField(
        default=False, help_text="The last error was in the content (not a feed, broken XML)."
    )
    last_warning = models.TextField(
        blank=True,
        help_text="A problem the parser recovered from in the last content read (the feed works).",
    )
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_new_entry_at = models.DateTimeField(null=True, blank=True)
    next_fetch_at = models.DateTimeField(default=timezone.now, db_index=True)
    fetch_interval = models.PositiveIntegerField(default=int(DEFAULT_INTERVAL.total_seconds()))
    created_at = models.DateTimeField(default=timezone.now)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["title", "url"]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def warning(self) -> str:
        """The parser's recovered problem, shown while the source is ok ("ok, with a warning")."""
        return self.last_warning if self.state == self.State.OK else ""

    def move_to(self, state: str, why: str = "") -> None:
        """Change state (checked against TRANSITIONS), recording when and why (`last_error`).

        Raises ValueError for a transition the lifecycle does not allow. Does not save.
        """
        if state not in self.TRANSITIONS[self.State(self.state)]:
            raise ValueError(f"a {self.state} source cannot become {state}")
        if state != self.state:
            self.state_changed_at = timezone.now()
        self.state = state
        self.last_error = why if state in {self.State.ERROR, self.State.GONE} else ""

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.url).hostname or "").lower()


class Subscription(models.Model):
    """A member following a source; `title` overrides the feed's title for them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_subscriptions"
    )
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="subscriptions")
    title = models.CharField(max_length=500, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "source__title"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="subscription_unique_source")
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or self.source.title or self.source.url


class EntryQuerySet(models.QuerySet):
    def for_user(self, user):
        """Entries of every source the member subscribes to."""
        return self.filter(source__subscriptions__user=user)

    def unread_by(self, user):
        return self.exclude(states__user=user, states__read=True)

    def starred_by(self, user):
        return self.filter(states__user=user, states__starred=True)

    def newest_first(self):
        return self.order_by("-published_at", "-id")


class Entry(models.Model):
    """One item of a source. `content_html` is sanitised (nh3) with URLs made absolute;
    `excerpt` is plain text for the river. `published_at` is UTC, the first-seen time when the
    feed gives no date. `enclosures` is a list of {url, type, length, duration}.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="entries")
    dedup_key = models.CharField(max_length=1000)
    guid = models.CharField(max_length=1000, blank=True)
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    author = models.CharField(max_length=500, blank=True)
    content_html = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    enclosures = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(fields=["source", "dedup_key"], name="entry_unique_per_source")
        ]
        indexes = [
            models.Index(fields=["published_at", "id"], name="entry_river"),
            models.Index(fields=["source", "published_at", "id"], name="entry_source_river"),
        ]

    def __str__(self) -> str:
        return self.title or self.link or self.guid


class EntryState(models.Model):
    """A member's marks on an entry. No row means unread and not starred."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_entry_states"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="states")
    read = models.BooleanField(default=False)
    starred = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "entry"], name="entry_state_unique")]
        indexes = [models.Index(fields=["user", "read", "entry"], name="entry_state_read")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.entry_id}: read={self.read} starred={self.starred}"


class ReadMarksVersion(models.Model):
    """How many times a member's read marks have changed. `plnet.reader.unread` moves it in the
    same transaction as the marks, so it becomes visible exactly when they do: unread counts
    cached under a number are those of that number's marks. Its row is also the lock (SELECT …
    FOR UPDATE; on SQLite the IMMEDIATE transaction) that puts one member's mark changes in order.
    No row means number 0."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reader_marks_version",
    )
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id}: read marks version {self.number}"


class Share(models.Model):
    """An entry a member shared to their stream, as the bookmark `post`, with their note."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_shares"
    )
    entry = models.ForeignKey(Entry, null=True, on_delete=models.SET_NULL, related_name="shares")
    post = models.ForeignKey(
        "publishing.Post", null=True, on_delete=models.SET_NULL, related_name="reader_shares"
    )
    note = models.TextField(blank=True)
    via = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share of {self.entry_id} by {self.user_id}"


class ApiTokenQuerySet(models.QuerySet):
    def matching(self, token: str):
        return self.filter(token_hash=ApiToken.hash(token))


class ApiToken(models.Model):
    """A member's JSON API token. Only the SHA-256 of the token is kept; it is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_api_tokens"
    )
    name = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        max_length=8, blank=True, help_text="First characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or self.prefix

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
