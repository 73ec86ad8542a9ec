"""Comments on posts: threaded, moderated, with the spam verdict that placed each one.

States are the ones WordPress uses (`comment_approved`): pending, approved, spam, trash.
`comment_type` says what a comment is: a comment typed here, a pingback, a trackback, or a
Webmention response (reply, like, repost, bookmark, mention).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from django.conf import settings
from django.db import models
from django.utils import timezone


class IllegalTransition(ValueError):
    """A comment was asked to move between two states the lifecycle does not connect."""


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Comment.State.APPROVED)

    def pending(self):
        return self.filter(state=Comment.State.PENDING)

    def spam(self):
        return self.filter(state=Comment.State.SPAM)

    def trash(self):
        return self.filter(state=Comment.State.TRASH)

    def judged(self):
        """What the classifier learns from of the site's own comments: spam and approved."""
        return self.filter(state__in=[Comment.State.SPAM, Comment.State.APPROVED])

    def expired(self, days: int):
        """Spam and trash whose state is older than `days` days (due to be emptied)."""
        cutoff = timezone.now() - dt.timedelta(days=days)
        return self.filter(
            state__in=[Comment.State.SPAM, Comment.State.TRASH], state_changed_at__lt=cutoff
        )

    def conversational(self):
        """What belongs in the comment thread: comments typed here and Webmention replies.

        Likes, reposts, bookmarks, mentions, pingbacks and trackbacks are shown apart, as responses.
        """
        return self.filter(comment_type__in=Comment.CONVERSATIONAL)

    def by_author_email(self, email: str):
        """Comments whose author email is `email`, compared without regard to case."""
        return self.filter(author_email__iexact=email.strip()) if email.strip() else self.none()


class Comment(models.Model):
    """One response to a post.

    `content` is the sanitised HTML shown; `raw_content` what the person typed (kept for editing
    and for re-training the spam filter). `spam_layer`/`spam_reason`/`spam_score` record the
    filter's decision (the layer that placed the comment and why); `moderated_by`/
    `moderator_action`/`moderated_at` the last moderator's decision, kept beside it so that why a
    comment was held stays visible after it is approved. Imported comments keep `wp_comment_id` (the import
    key, with the post's `wp_site`).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        TRASH = "trash", "Trash"

    class Type(models.TextChoices):
        COMMENT = "comment", "Comment"
        PINGBACK = "pingback", "Pingback"
        TRACKBACK = "trackback", "Trackback"
        REPLY = "reply", "Webmention reply"
        LIKE = "like", "Like"
        REPOST = "repost", "Repost"
        BOOKMARK = "bookmark", "Bookmark"
        MENTION = "mention", "Mention"

    post = models.ForeignKey("publishing.Post", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    comment_type = models.CharField(max_length=12, choices=Type.choices, default=Type.COMMENT)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(max_length=250, blank=True)
    author_email = models.EmailField(max_length=254, blank=True)
    author_url = models.URLField(max_length=1000, blank=True)
    author_photo = models.URLField(max_length=1000, blank=True)
    author_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    raw_content = models.TextField(blank=True)
    content = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    spam_layer = models.CharField(max_length=30, blank=True)
    spam_reason = models.CharField(max_length=500, blank=True)
    spam_score = models.FloatField(null=True, blank=True)
    # The moderator's decision, beside the filter's (which it never overwrites): who, what, when.
    moderated_by = models.CharField(max_length=150, blank=True)
    moderator_action = models.CharField(max_length=60, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    notify_replies = models.BooleanField(default=False)
    wp_comment_id = models.PositiveBigIntegerField(null=True, blank=True)
    # When mail about this comment went out (so a task run twice sends it once).
    author_notified_at = models.DateTimeField(null=True, blank=True)
    replies_notified_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    # What the comment thread holds (see CommentQuerySet.conversational).
    CONVERSATIONAL = frozenset({Type.COMMENT, Type.REPLY})

    # The lifecycle: which state may follow which. Moderators may rescue from spam and trash;
    # nothing leaves except by being emptied after the retention period (see services).
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.PENDING: frozenset({State.APPROVED, State.SPAM, State.TRASH}),
        State.APPROVED: frozenset({State.PENDING, State.SPAM, State.TRASH}),
        State.SPAM: frozenset({State.PENDING, State.APPROVED, State.TRASH}),
        State.TRASH: frozenset({State.PENDING, State.APPROVED, State.SPAM}),
    }

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "state", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "wp_comment_id"],
                condition=models.Q(wp_comment_id__isnull=False),
                name="comment_unique_wp_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_name or 'Anonymous'} on {self.post}"

    def get_absolute_url(self) -> str:
        return f"{self.post.get_absolute_url()}#comment-{self.pk}"

    def move_to(self, state: str, *, layer: str, reason: str, score: float | None = None) -> None:
        """Move the comment to `state` by a filter's decision, recording when, by which layer and
        why (replacing the filter decision recorded before), and save.

        Raises IllegalTransition for a move the TRANSITIONS map does not allow (including to the
        state it is already in).
        """
        self.spam_layer = layer[:30]
        self.spam_reason = reason[:500]
        fields = ["spam_layer", "spam_reason"]
        if score is not None:
            self.spam_score = score
            fields.append("spam_score")
        self._move(state, fields)

    def moderate_to(self, state: str, *, by: str, action: str) -> None:
        """Move the comment to `state` by a moderator's decision (`by`: who, `action`: what, e.g.
        "approved"), recorded with the time beside the filter's decision, which stays as it was,
        and save. Raises IllegalTransition as `move_to` does."""
        self.moderated_by = by[:150]
        self.moderator_action = action[:60]
        self.moderated_at = timezone.now()
        self._move(state, ["moderated_by", "moderator_action", "moderated_at"])

    def _move(self, state: str, fields: list[str]) -> None:
        """The one place a stored comment changes state: check the transition, save with fields."""
        if state not in self.TRANSITIONS.get(self.state, ()):
            raise IllegalTransition(f"a comment cannot go from {self.state} to {state}")
        self.state = state
        self.state_changed_at = timezone.now()
        self.save(update_fields=["state", "state_changed_at", "updated_at", *fields])

    @property
    def link_url(self) -> str:
        """author_url when it is an http(s) URL, else "" (imported rows may carry anything)."""
        url = self.author_url.strip()
        return url if url.lower().startswith(("http://", "https://")) else ""

    @property
    def source_link(self) -> str:
        """source_url when it is an http(s) URL, else "" (imported rows may carry anything)."""
        url = self.source_url.strip()
        return url if url.lower().startswith(("http://", "https://")) else ""

    @property
    def is_html(self) -> bool:
        """Is `raw_content` HTML (a comment imported from WordPress, kept as WordPress wrote
        it) rather than the Markdown typed here?"""
        return self.wp_comment_id is not None

    @property
    def display_name(self) -> str:
        """The name shown: the member's public name, else the name typed, else Anonymous."""
        if self.user_id and not self.author_name:
            return self.user.public_name
        return self.author_name or "Anonymous"


class CommentSettings(models.Model):
    """The site's comment rules, one row (pk=1), changed by the owner in the admin or on the
    moderation page. `CommentSettings.load()` returns it, creating the defaults on first use."""

    close_after_days = models.PositiveIntegerField(
        "close comments after (days)",
        default=0,
        help_text="Close comments on posts older than this many days (0: never).",
    )
    hold_all = models.BooleanField(
        "hold every comment", default=False, help_text="Hold every comment for moderation."
    )
    hold_first_comment = models.BooleanField(
        "hold a first comment",
        default=True,
        help_text="Hold a first comment from an unknown author.",
    )
    approve_known_authors = models.BooleanField(
        "publish known authors at once",
        default=True,
        help_text="Publish at once when the author (same email) has an approved comment.",
    )
    max_links = models.PositiveIntegerField(
        "maximum links",
        default=2,
        help_text="Hold a comment with this many links or more (0: no limit).",
    )
    disallowed_words = models.TextField(
        blank=True,
        help_text=(
            "One word, phrase, domain or IP address per line; a comment containing one is spam."
            " Words and phrases match whole words only, in any case (“ass” does not match"
            " “class”); an entry with other characters (a domain, a URL, the start of an IP"
            " address such as 192.0.2.) matches anywhere."
        ),
    )
    min_seconds = models.PositiveIntegerField(
        "minimum seconds before sending",
        default=3,
        help_text="A form sent sooner than this after the page loaded is spam.",
    )
    rate_limit_per_hour = models.PositiveIntegerField(
        "comments per hour from one IP",
        default=10,
        help_text="Hold comments beyond this many per hour from one IP (0: no limit).",
    )

    class Meta:
        verbose_name = "comment settings"
        verbose_name_plural = "comment settings"

    def __str__(self) -> str:
        return "Comment settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> CommentSettings:
        """The site's settings: the stored row (a migration creates it), or unsaved defaults when
        it is missing. Never written here: every page reads this, and a page that only reads must
        not write (on SQLite a write waits for, and can fail on, a long import's lock)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def disallowed_list(self) -> list[str]:
        """The disallowed words, lower-cased, blank lines dropped."""
        return [w.strip().lower() for w in self.disallowed_words.splitlines() if w.strip()]

    def disallowed_in(self, text: str) -> str | None:
        """The first disallowed entry found in text (lower-cased, as listed), or None.

        WordPress matches every entry as a substring, which sends "My class loved this
        assignment" to spam for the entry "ass": words lost for nothing. Here an entry made only of
        word characters and spaces (a word or phrase, in any script) matches whole words only,
        without regard to case; an entry with any other character ("casino.example",
        "192.0.2.", "http://x.example/") keeps WordPress's substring match.
        """
        for entry in self.disallowed_list:
            if _disallowed_pattern(entry).search(text):
                return entry
        return None


@functools.lru_cache(maxsize=512)
def _disallowed_pattern(entry: str) -> re.Pattern[str]:
    """A disallowed entry as a case-insensitive regex: whole words for word-and-space entries,
    a plain substring otherwise (see CommentSettings.disallowed_in)."""
    if _WORDS.fullmatch(entry):
        words = r"\s+".join(re.escape(word) for word in entry.split())
        return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
    return re.compile(re.escape(entry), re.IGNORECASE)


_WORDS = re.compile(r"[\w\s]+")


class SpamModel(models.Model):
    """A trained spam classifier, pickled, with what it was trained on and how it did.

    The newest row is the one in use. It lives in the database so a backup carries it and two
    sites never share one. `metrics` holds the cross-validated shares (ham_to_spam,
    spam_published, held) measured while choosing the thresholds.
    """

    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=200)
    blob = models.BinaryField()
    n_spam = models.PositiveIntegerField()
    n_ham = models.PositiveIntegerField()
    t_low = models.FloatField()
    t_high = models.FloatField()
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"spam model {self.pk} ({self.n_spam} spam, {self.n_ham} ham)"


class SpamExample(models.Model):
    """A labelled text given to `plnet spam train --csv`, kept so later retraining (after each
    moderation decision) still learns from it alongside the site's own comments."""

    text = models.TextField()
    is_spam = models.BooleanField()
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{'spam' if self.is_spam else 'ham'}: {self.text[:40]}"
