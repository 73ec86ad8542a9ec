"""Posts and pages, categories, tags, attachments and the old WordPress URLs that lead to them.

Posts and pages share one table, as in WordPress (`post_type` is "post" or "page"), so that an
import, a permalink redirect or a comment can point at either the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.managers import TaggableManager

from plnet.core.html import render_markdown

_BLOCK_TAG = re.compile(
    r"<(/?(?:p|div|br|hr|li|h[1-6]|blockquote|pre|tr|td|th|figure|figcaption|table|dd|dt)\b)",
    re.IGNORECASE,
)


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML: tags dropped (block tags leave a space, so paragraphs never
    run together), entities decoded, whitespace collapsed. Feeds full-text search and excerpts."""
    text = strip_tags(_BLOCK_TAG.sub(r" <\1", html))
    return " ".join(unescape(text).split())


class Category(models.Model):
    """A hierarchical category. `wp_term_id` keeps the WordPress term id of an imported one;
    the `wp_*_digest` fields let a re-import tell a newer export from an edit made here."""

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(blank=True)
    wp_term_id = models.PositiveBigIntegerField(null=True, blank=True)
    wp_export_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import read."
    )
    wp_written_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import wrote."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:category", kwargs={"path": self.path})

    @property
    def ancestors(self) -> list[Category]:
        """Parents from the root down to this category's parent (cycle-safe)."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))

    @property
    def path(self) -> str:
        """The slugs from the root to here, joined by '/' (WordPress's category URL form)."""
        return "/".join([c.slug for c in self.ancestors] + [self.slug])

    def subtree_ids(self) -> list[int]:
        """This category's id and its descendants' (cycle-safe; one query per level).

        WordPress's category archive and feed list the posts of subcategories too."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            children = Category.objects.filter(parent__in=frontier).exclude(pk__in=ids)
            frontier = list(children.values_list("pk", flat=True))
            ids += frontier
        return ids


class PostQuerySet(models.QuerySet):
    def posts(self):
        return self.filter(post_type=Post.PostType.POST)

    def pages(self):
        return self.filter(post_type=Post.PostType.PAGE)

    def published(self):
        """Public now: status published and the publication time has come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def trashed(self):
        """In the trash: never public, restorable until emptied (WordPress's post_status trash)."""
        return self.filter(status=Post.Status.TRASH)

    def not_trashed(self):
        """Everything but the trash (WordPress's "All" in the list of posts)."""
        return self.exclude(status=Post.Status.TRASH)

    def trash_expired(self, days: int):
        """Trashed posts that have been in the trash `days` days or more (the tick deletes them).
        A trashed post without a trash date is never counted expired."""
        since = timezone.now() - dt.timedelta(days=days)
        return self.trashed().filter(trashed_at__lte=since)

    def due(self):
        """Scheduled posts whose time has come (the scheduler publishes them)."""
        return self.filter(status=Post.Status.SCHEDULED, published_at__lte=timezone.now())

    def published_on(self, year: int, month: int, day: int):
        """Posts whose publication falls on that date in the site's time zone (permalink dates).

        Raises ValueError for a date that does not exist.
        """
        start = timezone.make_aware(dt.datetime(year, month, day))
        if start.date() == dt.date.max:  # no next day to end at
            return self.filter(published_at__gte=start)
        end = timezone.make_aware(
            dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time())
        )
        return self.filter(published_at__gte=start, published_at__lt=end)

    def newest_first(self):
        """Newest first, as WordPress's list of posts: by publication date, drafts (whose
        date is not theirs yet) by when they were last modified; ties by id."""
        when = models.Case(
            models.When(status=Post.Status.DRAFT, then=models.F("updated_at")),
            default=Coalesce("published_at", "updated_at"),
        )
        return self.annotate(listed_at=when).order_by("-listed_at", "-id")

    def sticky_first(self):
        """Sticky posts first, then newest first (the home page's order)."""
        return self.order_by("-sticky", "-published_at", "-id")

    def with_terms(self):
        """Load categories (with two levels of parents, for their paths) and tags with the
        posts, two queries in all, for `category_list` and `tag_list`.

        Into plain lists (`to_attr`): prefetching into `post.tags.all()` made Django build a
        filtered queryset per post (taggit's manager and the many-to-many one), about 1 ms each
        on a listing of ten, though nothing was asked of them."""
        return self.prefetch_related(
            models.Prefetch(
                "categories",
                queryset=Category.objects.select_related("parent__parent"),
                to_attr="prefetched_categories",
            ),
            models.Prefetch("tags", to_attr="prefetched_tags"),
        )

    def with_comment_counts(self):
        """Annotate `approved_comment_count`: the approved comments each post's thread shows
        (typed comments and Webmention replies; likes, reposts, mentions and pingbacks are
        responses, counted apart).

        A correlated subquery rather than a JOIN + GROUP BY: SQLite would group by every
        column, text bodies included, which made a 10-post listing cost ~10 ms more.
        """
        comments = self.model._meta.get_field("comments").related_model
        counted = (
            comments.objects.filter(post=models.OuterRef("pk"))
            .approved()
            .conversational()
            .order_by()
            .values("post")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(approved_comment_count=Coalesce(models.Subquery(counted), 0))


class Post(models.Model):
    """A blog post or a static page.

    `body` is the source the author wrote, in `body_format` (markdown for posts written here,
    html for imported ones); `content_html` is the sanitised HTML shown to readers, rebuilt on save.
    `published_at` is stored in UTC. Imported rows keep `wp_site` + `wp_post_id` (the import key)
    and `guid`, and two digests that let a re-import tell a newer export from an edit made here:
    `wp_export_digest` of the item as the export last said it, `wp_written_digest` of the fields
    the import last wrote (see `plnet.publishing.wordpress`). A post in the trash (status
    "trash") keeps the status it had in `trashed_from` and the moment in `trashed_at`, so that
    it can be restored, until it is deleted for good (see `services.trash_post`).
    """

    class PostType(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        PRIVATE = "private", "Private"
        TRASH = "trash", "Trash"

    class BodyFormat(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML"

    class CommentStatus(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    post_type = models.CharField(max_length=10, choices=PostType.choices, default=PostType.POST)
    title = models.CharField(max_length=500, blank=True)
    slug = models.SlugField(max_length=200, allow_unicode=True, blank=True)
    body = models.TextField(blank=True)
    body_format = models.CharField(
        max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    content_html = models.TextField(blank=True, editable=False)
    search_text = models.TextField(
        blank=True, editable=False, help_text="Plain text of the body, for full-text search."
    )
    excerpt = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    trashed_from = models.CharField(
        max_length=10,
        blank=True,
        editable=False,
        help_text="The status a trashed post had before (WordPress's _wp_trash_meta_status):"
        " restoring gives it back.",
    )
    trashed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the post was moved to the trash (WordPress's _wp_trash_meta_time); it"
        " is deleted for good PLNET_POST_TRASH_DAYS later.",
    )
    date_floating = models.BooleanField(
        default=False,
        help_text="A draft whose date was never set (as WordPress's drafts without a GMT date):"
        " publishing it dates it now.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    menu_order = models.IntegerField(default=0)
    categories = models.ManyToManyField(Category, blank=True, related_name="posts")
    tags = TaggableManager(blank=True)
    comment_status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    ping_status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    sticky = models.BooleanField(default=False)
    password = models.CharField(max_length=255, blank=True)
    guid = models.CharField(max_length=500, blank=True, db_index=True)
    wp_site = models.CharField(max_length=500, blank=True)
    wp_post_id = models.PositiveBigIntegerField(null=True, blank=True)
    wp_export_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import read."
    )
    wp_written_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import wrote."
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["post_type", "status", "published_at"]),
            models.Index(fields=["slug"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["wp_site", "wp_post_id"],
                condition=models.Q(wp_post_id__isnull=False),
                name="post_unique_wp_id",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"({self.post_type} {self.pk})"

    def save(self, *args, **kwargs):
        self.content_html = self.render_body()
        self.search_text = html_to_text(self.content_html)
        fields = kwargs.get("update_fields")
        if fields is not None and "body" in fields:
            kwargs["update_fields"] = {*fields, "content_html", "search_text"}
        super().save(*args, **kwargs)

    def render_body(self) -> str:
        """Sanitised HTML of the body (Markdown rendered, or imported HTML cleaned)."""
        if self.body_format == self.BodyFormat.MARKDOWN:
            return render_markdown(self.body)
        from plnet.core.html import clean_html

        return clean_html(self.body)

    @property
    def is_protected(self) -> bool:
        """Password-protected: the title shows, the content only after the password is given."""
        return bool(self.password)

    @property
    def has_comment_feed(self) -> bool:
        """Its comments have a feed at <permalink>feed/: a public post without a password (a
        protected post's comments stay behind its password; drafts and pages have none)."""
        return self.post_type == self.PostType.POST and self.is_public and not self.is_protected

    @property
    def summary(self) -> str:
        """Plain-text summary: the excerpt, else the body's first 55 words (WordPress's length)."""
        if self.excerpt:
            return html_to_text(self.excerpt)
        words = self.search_text.split()
        return " ".join(words[:55]) + (" …" if len(words) > 55 else "")

    @property
    def category_list(self) -> list[Category]:
        """The post's categories (by name): as `with_terms` loaded them, else from the database."""
        if "prefetched_categories" in self.__dict__:
            return self.prefetched_categories
        return list(self.categories.all())

    @property
    def tag_list(self) -> list:
        """The post's tags (in the order given): as `with_terms` loaded them, else asked for."""
        if "prefetched_tags" in self.__dict__:
            return self.prefetched_tags
        return list(self.tags.all())

    @property
    def is_trashed(self) -> bool:
        return self.status == self.Status.TRASH

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def get_absolute_url(self) -> str:
        """The permalink: /YYYY/MM/DD/slug/ in the site's local date for posts, the nested path
        for pages. Remembered on the instance (listings ask for it several times per post) and
        worked out again whenever what it depends on changes."""
        key = (
            self.post_type, self.slug, self.pk, self.published_at, self.parent_id,
            timezone.get_current_timezone_name(),
        )  # fmt: skip
        memo = self.__dict__.get("_permalink_memo")
        if memo is None or memo[0] != key:
            memo = self.__dict__["_permalink_memo"] = (key, self._permalink())
        return memo[1]

    def _permalink(self) -> str:
        if self.post_type == self.PostType.PAGE:
            return reverse("publishing:page", kwargs={"path": self.page_path})
        when = timezone.localtime(self.published_at or self.created_at)
        return reverse(
            "publishing:post",
            kwargs={
                "year": f"{when.year:04d}",
                "month": f"{when.month:02d}",
                "day": f"{when.day:02d}",
                "slug": self.slug or str(self.pk),
            },
        )

    @property
    def page_path(self) -> str:
        """Slugs of the page's parents and itself joined by '/' (cycle-safe)."""
        parts, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            parts.append(node.slug or str(node.pk))
            seen.add(node.pk)
            node = node.parent
        return "/".join(reversed(parts))


class AttachmentQuerySet(models.QuerySet):
    def visible(self):
        """Attachments anyone may see: loose ones, and those of a published post."""
        public = models.Q(
            post__status=Post.Status.PUBLISHED, post__published_at__lte=timezone.now()
        )
        return self.filter(models.Q(post__isnull=True) | public)


class Attachment(models.Model):
    """A file a post refers to: imported as a link to where it lives (no download), or uploaded
    here and kept under the data dir at `uploads/<file_path>` (`file_path` is "YYYY/MM/name").

    `caption` and `description` are sanitised HTML (WordPress's excerpt and content of the
    attachment); `old_path` is the path (and query) of its WordPress attachment page, which
    answers 301 to the page here. Imported ones keep the two digests posts have (what the
    last import read, what it wrote), so a re-import keeps what was edited here.
    """

    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    mime_type = models.CharField(max_length=100, blank=True)
    caption = models.TextField(blank=True)
    description = models.TextField(blank=True)
    old_path = models.CharField(max_length=1000, blank=True, db_index=True)
    file_path = models.CharField(max_length=500, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes, for uploads.")
    created_at = models.DateTimeField(default=timezone.now)
    wp_site = models.CharField(max_length=500, blank=True)
    wp_post_id = models.PositiveBigIntegerField(null=True, blank=True)
    wp_export_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import read."
    )
    wp_written_digest = models.CharField(
        max_length=64, blank=True, editable=False, help_text="What the last import wrote."
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wp_site", "wp_post_id"],
                condition=models.Q(wp_post_id__isnull=False),
                name="attachment_unique_wp_id",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.file_path or self.url

    def get_absolute_url(self) -> str:
        """The attachment page (title, caption, description, the image or a link to the file)."""
        return reverse("publishing:attachment", kwargs={"pk": self.pk})

    @property
    def file_url(self) -> str:
        """Where the file itself is: /media/<file_path> for uploads, else the imported URL."""
        if self.file_path:
            return reverse("publishing:media", kwargs={"path": self.file_path})
        return self.url

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


class LegacyURL(models.Model):
    """An old URL (path with optional query, no host) that answers 301 to a post's permalink.

    Filled by the WordPress import from each item's <link> and its ?p=ID / ?page_id=ID forms.
    """

    path = models.CharField(max_length=1000, unique=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="legacy_urls")

    def __str__(self) -> str:
        return self.path


class Tombstone(models.Model):
    """The path of a deleted public post: it answers 410 Gone, not 404 (Webmention §3.1.4 lets
    receivers remove what the post said; feed readers and crawlers stop asking)."""

    path = models.CharField(max_length=1000, unique=True)
    deleted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.path


class DeletedImport(models.Model):
    """An imported post or page deleted here for good, by its import key (`wp_site`,
    `wp_post_id`): importing the export again does not bring it back (the summary says
    "deleted here: not imported again"), as a deletion is a decision taken here."""

    wp_site = models.CharField(max_length=500, blank=True)
    wp_post_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=500, blank=True)
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wp_site", "wp_post_id"], name="deleted_import_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title or 'untitled'} (WordPress id {self.wp_post_id})"


class ImportRunQuerySet(models.QuerySet):
    def active(self):
        """Runs that hold the import slot: waiting for the worker, or importing."""
        return self.filter(state__in=[ImportRun.State.QUEUED, ImportRun.State.RUNNING])

    def running(self):
        return self.filter(state=ImportRun.State.RUNNING)

    def newest_first(self):
        return self.order_by("-created_at", "-id")


class ImportRun(models.Model):
    """One WordPress export uploaded on the import page, and what importing it did.

    Lifecycle: uploaded (the file is stored and its `authors` read; the staff member chooses
    how they come across) → queued (the task is enqueued) → running (the worker is importing)
    → done (the summary is kept) | failed (the one-line `error`; nothing was imported). An
    uploaded or queued run can also be cancelled by staff (`error` says who), or fail without
    running (a file refused at once, left unstarted, or another import held the slot). A dry
    run that is done keeps its file for an hour, so that "Import it now" can import it with
    the same choices (a new run). At most one run is running at a time (a
    database constraint); the import page also refuses to queue one while another is queued or
    running. While running, progress lives in the shared cache, not in this row (see
    `plnet.publishing.imports`); the counts here are the final ones.
    """

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for your author choices"
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        State.UPLOADED: {State.QUEUED, State.FAILED, State.CANCELLED},
        State.QUEUED: {State.RUNNING, State.FAILED, State.CANCELLED},
        State.RUNNING: {State.DONE, State.FAILED},
        State.DONE: set(),
        State.FAILED: set(),
        State.CANCELLED: set(),
    }

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255, help_text="The file's name as it was uploaded.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    stored_name = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Random name of the stored upload under IMPORTS_ROOT; empty once removed.",
    )
    authors = models.JSONField(
        default=list, blank=True, help_text="The logins the file declares (<wp:author>)."
    )
    dry_run = models.BooleanField(default=False)
    author_default = models.CharField(max_length=150, blank=True)
    author_map = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.UPLOADED)
    site = models.CharField(max_length=1000, blank=True)
    items_read = models.PositiveIntegerField(default=0)
    comments_read = models.PositiveIntegerField(default=0)
    counts = models.JSONField(
        default=dict, blank=True, help_text="created/updated/unchanged/comments/skipped… by kind."
    )
    summary_lines = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=models.Q(state="running"), name="one_running_import"
            )
        ]

    def __str__(self) -> str:
        return f"import of {self.file_name} ({self.state})"

    @property
    def can_import_now(self) -> bool:
        """A dry run done whose file is still kept: "Import it now" may import it for real."""
        return self.state == self.State.DONE and self.dry_run and bool(self.stored_name)

    @property
    def is_active(self) -> bool:
        """Queued or running: the page refreshes itself."""
        return self.state in {self.State.QUEUED, self.State.RUNNING}

    def move_to(self, state: str, error: str = "") -> None:
        """Change state (checked against TRANSITIONS), recording when (started/finished) and
        why (`error`, one line); does not save. Raises ValueError for a move not allowed."""
        if state not in self.TRANSITIONS[self.State(self.state)]:
            raise ValueError(f"import run {self.state} → {state} is not allowed")
        now = timezone.now()
        self.state = state
        if state == self.State.RUNNING:
            self.started_at = now
        elif state in {self.State.DONE, self.State.FAILED, self.State.CANCELLED}:
            self.finished_at = now
        self.error = " ".join(error.split())[:500]
