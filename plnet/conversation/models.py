"""Comments on posts: threaded, moderated, with the spam verdict that placed each one.

States are the ones WordPress uses (`comment_approved`): pending, approved, spam, trash.
`comment_type` says what a comment is: a comment typed here, a pingback, a trackback, or a
Webmention response (reply, like, repost, bookmark, mention).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Comment.State.APPROVED)

    def pending(self):
        return self.filter(state=Comment.State.PENDING)

    def spam(self):
        return self.filter(state=Comment.State.SPAM)

    def trash(self):
        return self.filter(state=Comment.State.TRASH)


class Comment(models.Model):
    """One response to a post.

    `content` is the sanitised HTML shown; `raw_content` what the person typed (kept for editing
    and for re-training the spam filter). `spam_layer`/`spam_reason`/`spam_score` record the
    decision that gave the comment its state. Imported comments keep `wp_comment_id` (the import
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
    notify_replies = models.BooleanField(default=False)
    wp_comment_id = models.PositiveBigIntegerField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

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
