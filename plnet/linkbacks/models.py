"""The protocol bookkeeping of linkbacks (decision 0001): what was received, what was fetched to
verify it, and what was sent. The responses themselves are `conversation.Comment` rows.

- `ReceivedLinkback`: one (protocol, source, target) received by Webmention or Pingback, its
  verification state and the comment it became.
- `SourceFetch`: the last fetch of a source URL, so one source is fetched at most once a minute
  however many targets it mentions.
- `InboundHit`: one accepted request per row, counted per source host for the rate limit.
- `OutgoingLinkback`: one (source, target) this site notified, with every answer logged.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class InvalidTransition(ValueError):
    """A state change the lifecycle map does not allow."""


class ReceivedLinkbackQuerySet(models.QuerySet):
    def queued(self):
        return self.filter(state=ReceivedLinkback.State.QUEUED)

    def due(self):
        """Queued rows whose next check time has come (the tick turns them into tasks)."""
        return self.queued().filter(next_check_at__lte=timezone.now())

    def webmentions(self):
        return self.filter(protocol=ReceivedLinkback.Protocol.WEBMENTION)

    def pingbacks(self):
        return self.filter(protocol=ReceivedLinkback.Protocol.PINGBACK)


class ReceivedLinkback(models.Model):
    """A Webmention or pingback received for one of our posts.

    Lifecycle: queued → verified (the comment exists) | refused (no link, not found) |
    failed (the source could not be fetched) | deleted (410 or the link is gone: the comment was
    removed); any settled state goes back to queued when the same source/target is sent again.
    """

    class Protocol(models.TextChoices):
        WEBMENTION = "webmention", "Webmention"
        PINGBACK = "pingback", "Pingback"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued for verification"
        VERIFIED = "verified", "Verified"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Source could not be fetched"
        DELETED = "deleted", "Deleted by its source"

    TRANSITIONS = {
        State.QUEUED: {State.VERIFIED, State.REFUSED, State.FAILED, State.DELETED},
        State.VERIFIED: {State.QUEUED},
        State.REFUSED: {State.QUEUED},
        State.FAILED: {State.QUEUED},
        State.DELETED: {State.QUEUED},
    }

    protocol = models.CharField(max_length=12, choices=Protocol.choices)
    source = models.URLField(max_length=1000)
    target = models.URLField(max_length=1000)
    source_host = models.CharField(max_length=255, db_index=True)
    post = models.ForeignKey(
        "publishing.Post", on_delete=models.CASCADE, related_name="received_linkbacks"
    )
    comment = models.OneToOneField(
        "conversation.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linkback",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    objects = ReceivedLinkbackQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "source", "target"], name="received_linkback_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol} {self.source} → {self.target} ({self.state})"

    # The start of `reason` when the source resolved to an address the SSRF guard refuses. The
    # rest (host, address, the setting that allows it) is for the owner only: see public_reason.
    BLOCKED_SOURCE = "The source is at an address this site does not fetch from."

    @property
    def public_reason(self) -> str:
        """`reason` as the sender may read it (the public status page): a refused address is
        said without the host, the address or the server setting."""
        if self.reason.startswith(self.BLOCKED_SOURCE):
            return self.BLOCKED_SOURCE
        return self.reason

    def move_to(self, state: str, reason: str = "") -> None:
        """Change state (checked against TRANSITIONS), recording when and why; does not save."""
        if state != self.state and state not in self.TRANSITIONS[self.State(self.state)]:
            raise InvalidTransition(f"{self.state} → {state} is not allowed")
        self.state = state
        self.reason = reason[:500]
        self.state_changed_at = timezone.now()


class SourceFetch(models.Model):
    """The last fetch of a source URL: when, what came back (body capped), or why it failed."""

    url = models.URLField(max_length=1000, unique=True)
    fetched_at = models.DateTimeField(default=timezone.now, db_index=True)
    final_url = models.URLField(max_length=1000, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    timed_out = models.BooleanField(default=False)
    blocked = models.BooleanField(
        default=False, help_text="Refused by the SSRF guard: a private or local address."
    )

    def __str__(self) -> str:
        return f"{self.url} at {self.fetched_at:%Y-%m-%d %H:%M:%S}"


class InboundHit(models.Model):
    """One accepted linkback request, kept a day, counted per source host for the rate limit."""

    source_host = models.CharField(max_length=255)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["source_host", "at"])]

    def __str__(self) -> str:
        return f"{self.source_host} at {self.at:%Y-%m-%d %H:%M:%S}"


class OutgoingLinkbackQuerySet(models.QuerySet):
    def due(self):
        """Rows waiting to be (re)tried whose time has come."""
        return self.filter(
            status__in=[OutgoingLinkback.Status.QUEUED, OutgoingLinkback.Status.RETRYING],
            next_attempt_at__lte=timezone.now(),
        )


class OutgoingLinkback(models.Model):
    """One notification this site sends: `source` (our post's URL) mentions `target`.

    `method` is how it was sent (webmention, pingback, or "" when the target has no endpoint);
    `status` how the last attempt ended; `response_code` the HTTP status or pingback fault code;
    `response_body` the start of the answer. Failed attempts are retried with exponential
    backoff (`next_attempt_at`) until MAX_ATTEMPTS. The row outlives its post (post set to NULL)
    so the author still sees what a deleted post sent.
    """

    class Method(models.TextChoices):
        WEBMENTION = "webmention", "Webmention"
        PINGBACK = "pingback", "Pingback"
        NONE = "", "None"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Accepted"
        REFUSED = "refused", "Refused"
        NO_ENDPOINT = "no_endpoint", "No endpoint"
        RETRYING = "retrying", "Will retry"
        FAILED = "failed", "Gave up"

    post = models.ForeignKey(
        "publishing.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_linkbacks",
    )
    source = models.URLField(max_length=1000)
    target = models.URLField(max_length=1000)
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    endpoint = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    response_code = models.IntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    webmention_only = models.BooleanField(
        default=False, help_text="A deletion notice: Pingback has no way to say a post is gone."
    )

    objects = OutgoingLinkbackQuerySet.as_manager()

    class Meta:
        ordering = ["-last_attempt_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="outgoing_linkback_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.status})"

    # Finished without success: the owner may send these again from the send log.
    RETRYABLE = (Status.FAILED, Status.REFUSED, Status.NO_ENDPOINT)

    @property
    def method_label(self) -> str:
        """How it was sent, for the send log: "no endpoint" when the target has none, "not
        found yet" while (or when) discovery has not come that far."""
        if self.method:
            return self.get_method_display()
        return "no endpoint" if self.status == self.Status.NO_ENDPOINT else "not found yet"

    @property
    def can_retry(self) -> bool:
        return self.status in self.RETRYABLE
