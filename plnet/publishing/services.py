"""The verbs of publishing: save a draft, publish, schedule, trash, restore, delete; number a
post in its story.

Post status is one lifecycle (draft, scheduled, published, private, trash). Any of the first four
may follow any other, as in WordPress, but only through `save_post` (and the named verbs around
it, which decide the real status with `resolve_status`) and `publish_due_post`, the scheduler.
The trash has its own doors: `trash_post` moves a post in (remembering the status it had),
`restore_post` gives that status back, `delete_post` (alone or through `empty_trash` and the
tick's `delete_expired_trash`) deletes it for good; `save_post` refuses to move a post in or
out of the trash. After the transaction commits, the hooks `on_post_published`,
`on_post_updated` and `on_post_deleted` run: that is where work that leaves the site
(Webmentions, pings) starts, never in `save()` or a signal.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify

from . import sitecache
from .models import Category, DeletedImport, LegacyURL, Post, Tombstone
from .search import search_posts  # noqa: F401  (a verb of this app, implemented beside it)
from .sitecache import published_changed

log = logging.getLogger("plnet.publishing")
Status = Post.Status


class PublishingError(ValueError):
    """A request the lifecycle refuses; the message is meant for the author."""


# --- hooks: run after commit; other apps hang their outbound work here -------------------------


def on_post_published(post_id: int) -> None:
    """A post became public (published now, or a scheduled post reached its time).

    Runs after the transaction committed. Webmentions (or pingbacks) go to every link in it.
    """
    from plnet.linkbacks.services import send_linkbacks_for_post

    log.info("post %s published", post_id)
    send_linkbacks_for_post(post_id)


def on_post_updated(post_id: int, previous_html: str) -> None:
    """A public post was edited and stays public. Runs after commit.

    `previous_html` is the content before the edit: Webmention §3.1.3 asks to notify the targets
    of links the edit removed as well as those it kept or added. The linkbacks service resends
    to every target it sent to before and to links the edit added; links the post already had
    but never sent to (an imported post) are left alone.
    """
    from plnet.linkbacks.services import send_linkbacks_for_post

    log.info("post %s updated", post_id)
    send_linkbacks_for_post(post_id, previous_html=previous_html)


def on_post_deleted(post_id: int, permalink: str, previous_html: str) -> None:
    """A public post was deleted or withdrawn (draft/private/rescheduled). Runs after commit.

    `permalink` is the absolute URL it had and `previous_html` its content, so the targets it
    linked to can be told it is gone (Webmention §3.1.4) even when the row no longer exists.
    """
    from plnet.linkbacks.services import notify_post_deleted
    from plnet.protocols.webmention import links_in

    log.info("post %s deleted or withdrawn (%s)", post_id, permalink)
    notify_post_deleted(permalink, links_in(previous_html, permalink))


def _after_commit(hook, *args) -> None:
    transaction.on_commit(lambda: hook(*args))


# --- slugs -------------------------------------------------------------------------------------


_LITERAL = re.compile(r"[\w.~-]+")
# What WordPress refuses for a top-level page (wp_unique_post_slug): all digits reads as a year
# archive (/2020/), "page2" as a paged listing.
_NUMBERED = re.compile(r"(?:page)?\d+")


def _first_segments(patterns, prefix: str = "") -> set[str]:
    """The literal first path segments of these URL patterns ("admin", "reader", "feed")."""
    found = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver) and not route.strip("^/$"):
            found |= _first_segments(pattern.url_patterns, route)
            continue
        first = route.split("/", 1)[0].removesuffix("$")
        if isinstance(pattern, URLPattern | URLResolver) and _LITERAL.fullmatch(first):
            found.add(first.replace("\\.", "."))
    return found


@functools.cache
def reserved_slugs() -> frozenset[str]:
    """First path segments the site's own URLs use (read from the URLconf): a top-level page
    with one of these slugs could never be reached, so pages never get them."""
    return frozenset(_first_segments(get_resolver().url_patterns))


def is_reserved_page_slug(slug: str) -> bool:
    """Would a top-level page at /slug/ be shadowed by one of the site's own addresses?"""
    return slug in reserved_slugs() or bool(_NUMBERED.fullmatch(slug))


def unique_slug(
    text: str, *, post_type: str, exclude_pk: int | None = None, top_level: bool = False
) -> str:
    """A slug from text, made unique among posts of post_type by -2, -3… as WordPress does.

    A top-level page also steers clear of the site's own first path segments (`reserved_slugs`).
    Falls back to "untitled" when text has no letters or digits. Max 200 characters.
    """
    base = slugify(text, allow_unicode=True)[:190].strip("-") or "untitled"
    taken = set(
        Post.objects.filter(post_type=post_type, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    reserved = top_level and post_type == Post.PostType.PAGE
    slug, n = base, 2
    while slug in taken or (reserved and is_reserved_page_slug(slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def trash_list_url(post_type: str) -> str:
    """The address of the writer's Trash of posts, or of pages."""
    lists = "publishing:my_pages" if post_type == Post.PostType.PAGE else "publishing:my_posts"
    return reverse(lists) + "?status=trash"


def slug_problem(
    slug: str, *, post_type: str, exclude_pk: int | None = None, top_level: bool = False
) -> str | None:
    """Why `save_post` would not keep this slug (it would add -2), for the person who typed it
    (safe HTML); None when the slug is free.

    A post in the trash keeps its slug, so that restoring it brings it back at its address (and
    meanwhile that address answers 410): the message then says the holder is in the Trash, with
    a link to it, so the writer knows to restore or delete it for good, or to choose another."""
    if top_level and post_type == Post.PostType.PAGE and is_reserved_page_slug(slug):
        return f"“{slug}” is one of the site's own addresses: choose another slug."
    holder = Post.objects.filter(post_type=post_type, slug=slug).exclude(pk=exclude_pk).first()
    if holder is None:
        return None
    free = unique_slug(slug, post_type=post_type, exclude_pk=exclude_pk, top_level=top_level)
    kind = holder.get_post_type_display().lower()
    if holder.is_trashed:
        return format_html(
            "The {} “{}” in the <a href=\"{}\">Trash</a> still has the slug “{}”: restore it,"
            " delete it permanently to free the slug, or choose another (“{}” is free).",
            kind, holder, trash_list_url(post_type), slug, free,
        )  # fmt: skip
    return format_html(
        "The {} “{}” already has the slug “{}”: choose another (“{}” is free).",
        kind, holder, slug, free,
    )  # fmt: skip


# --- the lifecycle -------------------------------------------------------------------------------


def resolve_status(
    status: str, published_at: dt.datetime | None, now: dt.datetime
) -> tuple[str, dt.datetime | None]:
    """The status and date a post really gets when an author asks for status at published_at.

    As in WordPress: publishing with a future date schedules; scheduling with a past date
    publishes with that date; publishing without a date publishes now. Scheduling without a
    date raises PublishingError.
    """
    if status == Status.PUBLISHED:
        when = published_at or now
        return (Status.SCHEDULED if when > now else Status.PUBLISHED), when
    if status == Status.SCHEDULED:
        if published_at is None:
            raise PublishingError("A scheduled post needs a date and time to go live.")
        return (Status.SCHEDULED if published_at > now else Status.PUBLISHED), published_at
    if status == Status.PRIVATE:
        return status, published_at or now
    return status, published_at


@transaction.atomic
def save_post(
    post: Post,
    *,
    status: str,
    published_at: dt.datetime | None = None,
    categories: list[Category] | None = None,
    tags: list[str] | None = None,
) -> Post:
    """Save a new or edited post (or page) in the status asked for; return it.

    Decides the real status with `resolve_status`, gives it a unique slug when it has none (or
    a clashing one), sets categories and tags when given (None leaves them as they are), and
    after commit runs the hook that fits: published, updated, or deleted (withdrawn).
    A draft whose date was never set (`date_floating`) given back its placeholder date counts
    as given no date, so publishing it dates it now; a status other than draft, or a date of its
    own, ends the floating. Raises PublishingError for an unknown status or a schedule without
    a date.
    """
    old = Post.objects.filter(pk=post.pk).first() if post.pk else None
    was_public = bool(old and old.is_public)
    old_url = old.get_absolute_url() if was_public else ""
    old_html = old.content_html if was_public else ""
    if status not in Status.values:
        raise PublishingError(f"Unknown status {status!r}.")
    _check_trash_door(old, status)
    if old is not None and old.date_floating and published_at == old.published_at:
        published_at = None  # the placeholder date of a draft whose date was never set
    post.status, post.published_at = resolve_status(status, published_at, timezone.now())
    if post.status not in {Status.DRAFT, Status.TRASH} or published_at is not None:
        post.date_floating = False  # the post has a date of its own now
    post.slug = unique_slug(
        post.slug or post.title,
        post_type=post.post_type,
        exclude_pk=post.pk,
        top_level=post.parent_id is None,
    )
    post.save()
    if categories is not None:
        post.categories.set(categories)
    if tags is not None:
        post.tags.set(tags, clear=True)
    if was_public and post.is_public:
        keep_old_url(post, old_url)
    published_changed()  # a page's title, a new year, … (after commit)
    _run_hooks(post, was_public=was_public, old_url=old_url, old_html=old_html)
    return post


def _check_trash_door(old: Post | None, status: str) -> None:
    """save_post edits a post in the trash (the admin may) but never moves one in or out."""
    in_trash = bool(old and old.is_trashed)
    if status == Status.TRASH and not in_trash:
        raise PublishingError("Use “Move to trash” to put a post in the trash.")
    if in_trash and status != Status.TRASH:
        raise PublishingError("This post is in the trash: restore it first.")


def keep_old_url(post: Post, old_url: str) -> None:
    """When a public post's permalink changes (new slug or date), make the old one answer 301
    to the new one, as WordPress does with `_wp_old_slug`: links and feeds out there keep
    working. A LegacyURL that pointed at the new address is removed (it would loop)."""
    new_url = post.get_absolute_url()
    if old_url == new_url:
        return
    LegacyURL.objects.filter(path=new_url).delete()
    LegacyURL.objects.update_or_create(path=old_url, defaults={"post": post})


def _run_hooks(post: Post, *, was_public: bool, old_url: str, old_html: str) -> None:
    from django.conf import settings

    if post.is_public and not was_public:
        _after_commit(on_post_published, post.pk)
    elif post.is_public:
        _after_commit(on_post_updated, post.pk, old_html)
    elif was_public:
        _after_commit(on_post_deleted, post.pk, settings.SITE_URL + old_url, old_html)


def save_draft(post: Post, **fields) -> Post:
    """Save post as a draft (never public). Takes save_post's keyword arguments."""
    return save_post(post, status=Status.DRAFT, **fields)


def publish_post(post: Post, *, at: dt.datetime | None = None, **fields) -> Post:
    """Publish post now, or at `at` (a past date back-dates it; a future one schedules it)."""
    return save_post(post, status=Status.PUBLISHED, published_at=at, **fields)


def schedule_post(post: Post, *, at: dt.datetime, **fields) -> Post:
    """Schedule post to go live at `at` (aware datetime). Raises PublishingError if at has passed."""
    if at <= timezone.now():
        raise PublishingError("That time has already passed: publish the post instead.")
    return save_post(post, status=Status.SCHEDULED, published_at=at, **fields)


@transaction.atomic
def delete_post(post: Post) -> None:
    """Delete post (its comments go with it); after commit, tell on_post_deleted if it was public.

    The old URLs of a post that was public (or trashed while public) answer 410 like its
    address. An imported post is remembered by its import key (a DeletedImport), so that importing the
    same export again does not bring back what was deleted here."""
    from django.conf import settings

    was_public, pk, html = post.is_public, post.pk, post.content_html
    path = post.get_absolute_url()
    url = settings.SITE_URL + path
    if post.post_type == Post.PostType.PAGE:
        _lift_subpages(post)
    if was_public or Tombstone.objects.filter(path=path).exists():  # public, or trashed so
        old = list(post.legacy_urls.values_list("path", flat=True))  # its old URLs say gone too
        Tombstone.objects.bulk_create([Tombstone(path=p) for p in old], ignore_conflicts=True)
    if post.wp_post_id is not None:
        DeletedImport.objects.update_or_create(
            wp_site=post.wp_site, wp_post_id=post.wp_post_id, defaults={"title": post.title[:500]}
        )
    post.delete()
    published_changed()
    if was_public:
        Tombstone.objects.get_or_create(path=path)
        _after_commit(on_post_deleted, pk, url, html)


def _lift_subpages(page: Post) -> None:
    """Before a page is deleted: its subpages move up to its parent, as WordPress's
    wp_delete_post does (rather than to the top, where their slugs could meet the site's own
    addresses), and the public pages under it keep their old addresses as redirects."""
    below = Post.objects.pages().filter(pk__in=page_descendant_ids(page))
    old_urls = {p.pk: p.get_absolute_url() for p in below.select_related("parent") if p.is_public}
    parent = page.parent_id if page.parent_id not in old_urls else None  # a cycle: to the top
    Post.objects.filter(parent=page).exclude(pk=page.pk).update(parent=parent)
    for moved in Post.objects.filter(pk__in=old_urls):
        keep_old_url(moved, old_urls[moved.pk])


# --- the trash ---------------------------------------------------------------------------------

TRASH_FIELDS = ["status", "trashed_from", "trashed_at", "published_at", "updated_at"]


@transaction.atomic
def trash_post(post: Post) -> Post:
    """Move a post or page to the trash (WordPress's wp_trash_post); return it.

    It leaves the site at once: its address answers 410 Gone (a Tombstone) when it was public,
    and, after commit, the pages it linked to are told it is gone, as for a deletion
    (Webmention §3.1.4). Its status and the moment are kept (`trashed_from`, `trashed_at`), its
    slug, date and comments stay, so `restore_post` brings it back as it was. Trashing a post
    already in the trash changes nothing.
    """
    from django.conf import settings

    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.is_trashed:
        return post
    was_public, path, html = post.is_public, post.get_absolute_url(), post.content_html
    post.trashed_from, post.trashed_at = post.status, timezone.now()
    post.status = Status.TRASH
    post.save(update_fields=TRASH_FIELDS)
    published_changed()
    if was_public:
        Tombstone.objects.get_or_create(path=path)
        _after_commit(on_post_deleted, post.pk, settings.SITE_URL + path, html)
    return post


@transaction.atomic
def restore_post(post: Post) -> Post:
    """Take a post out of the trash with the status it had (WordPress's wp_untrash_post, as it
    was before 5.6 made drafts of them), under the same address, with its comments; return it.

    The Tombstone of its address is lifted. A post trashed while scheduled whose time has
    passed meanwhile is published with its date; one without a known earlier status (an
    imported item without `_wp_trash_meta_status`) becomes a draft. When it is public again,
    after commit, the hook for a newly published post runs. Raises PublishingError when the post
    is not in the trash.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    if not post.is_trashed:
        raise PublishingError("This post is not in the trash.")
    previous = post.trashed_from
    if previous not in RESTORABLE or (previous == Status.SCHEDULED and not post.published_at):
        previous = Status.DRAFT
    post.status, post.published_at = resolve_status(previous, post.published_at, timezone.now())
    post.trashed_from, post.trashed_at = "", None
    post.save(update_fields=TRASH_FIELDS)
    Tombstone.objects.filter(path=post.get_absolute_url()).delete()
    published_changed()
    if post.is_public:
        _after_commit(on_post_published, post.pk)
    return post


RESTORABLE = {Status.DRAFT, Status.SCHEDULED, Status.PUBLISHED, Status.PRIVATE}


@transaction.atomic
def empty_trash(posts) -> int:
    """Delete for good every trashed post of the queryset posts (through `delete_post`);
    return how many. Posts of the queryset that are not in the trash are left alone."""
    doomed = list(posts.trashed())
    for post in doomed:
        delete_post(post)
    return len(doomed)


def delete_expired_trash(days: int | None = None) -> int:
    """Enqueue a task deleting each post that has been in the trash `days` days or more (default
    PLNET_POST_TRASH_DAYS), for the periodic tick; return how many were enqueued."""
    from .tasks import delete_expired_trashed_post

    ids = list(Post.objects.trash_expired(_trash_days(days)).values_list("pk", flat=True))
    for pk in ids:
        delete_expired_trashed_post.enqueue(pk)
    return len(ids)


@transaction.atomic
def delete_if_trash_expired(post_id: int, days: int | None = None) -> bool:
    """Delete post post_id for good if it is still in the trash and has been there `days` days
    or more (default PLNET_POST_TRASH_DAYS); True if it did. Safe to run twice or late: a post
    restored, or already deleted, is left alone."""
    post = Post.objects.trash_expired(_trash_days(days)).filter(pk=post_id).first()
    if post is None:
        return False
    delete_post(post)
    return True


def _trash_days(days: int | None) -> int:
    from django.conf import settings

    return settings.PLNET.post_trash_days if days is None else days


@transaction.atomic
def publish_due_post(post_id: int) -> bool:
    """Publish the scheduled post post_id if its time has come; return True if it did.

    Safe to run twice or late: a post already published, moved back to draft, rescheduled to
    the future or deleted is left alone.
    """
    updated = Post.objects.due().filter(pk=post_id).update(status=Status.PUBLISHED)
    if updated:
        published_changed()
        _after_commit(on_post_published, post_id)
    return bool(updated)


def enqueue_due_posts() -> int:
    """Enqueue a publish task for each scheduled post whose time has come (the periodic tick)."""
    from .tasks import publish_scheduled_post

    ids = list(Post.objects.due().values_list("pk", flat=True))
    for pk in ids:
        publish_scheduled_post.enqueue(pk)
    return len(ids)


@transaction.atomic
def save_category(category: Category) -> Category:
    """Save a new or edited category; the site's navigation shows it from the next request."""
    category.save()
    published_changed()
    return category


@transaction.atomic
def delete_category(category: Category) -> None:
    """Delete a category (its posts stay, filed under the others they have)."""
    category.delete()
    published_changed()


# --- a post's place in the story ------------------------------------------------------------------


def _before(post: Post) -> Q:
    return Q(published_at__lt=post.published_at) | Q(published_at=post.published_at, pk__lt=post.pk)


def _after(post: Post) -> Q:
    return Q(published_at__gt=post.published_at) | Q(published_at=post.published_at, pk__gt=post.pk)


def post_number(post: Post) -> int | None:
    """The post's 1-based place among its author's published posts, oldest first ("post 500").

    None for a page, a post without author, or one that is not public.
    """
    if post.post_type != Post.PostType.POST or post.author_id is None or not post.is_public:
        return None
    mine = Post.objects.posts().published().filter(author_id=post.author_id)
    return mine.filter(_before(post)).count() + 1


def adjacent_posts(post: Post) -> tuple[Post | None, Post | None]:
    """(previous, next) among the site's published posts by publication time (ties by id)."""
    if post.post_type != Post.PostType.POST or not post.is_public:
        return None, None
    public = (
        Post.objects.posts()
        .published()
        .only("title", "slug", "published_at", "post_type", "created_at", "parent")
    )
    previous = public.filter(_before(post)).order_by("-published_at", "-pk").first()
    following = public.filter(_after(post)).order_by("published_at", "pk").first()
    return previous, following


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A previous or next post as the post page links to it."""

    title: str
    url: str


def place_in_story(post: Post) -> tuple[Neighbour | None, Neighbour | None, int | None]:
    """(previous, next, number): `adjacent_posts` and `post_number` as the post page shows
    them, kept in the shared cache until publishing changes something (three queries saved
    per view; see `sitecache`)."""

    def build():
        previous, following = adjacent_posts(post)
        return _neighbour(previous), _neighbour(following), post_number(post)

    facts = (post.pk, post.post_type, post.status, post.published_at, post.author_id)
    return sitecache.remember("story", build, *facts)


def _neighbour(post: Post | None) -> Neighbour | None:
    return post and Neighbour(post.title, post.get_absolute_url())


# --- categories ----------------------------------------------------------------------------------


@dataclass
class CategoryNode:
    """A category in the tree with its published posts: `posts` filed in it, `total` in it and
    its subcategories (a post in both counts twice: the total orders, it does not report)."""

    pk: int
    name: str
    path: str
    posts: int
    total: int = 0
    children: list[CategoryNode] = field(default_factory=list)

    def get_absolute_url(self) -> str:
        return reverse("publishing:category", kwargs={"path": self.path})


def category_tree(*, with_posts_only: bool = True) -> list[CategoryNode]:
    """The categories as a tree of CategoryNode (roots and children by name), with their
    published posts counted: two queries, whatever the number of categories. With
    with_posts_only, categories without a published post in their subtree are left out.
    Cycle-safe: a category in a parent cycle is shown as a root."""
    counts = dict(
        Post.categories.through.objects.filter(
            post__in=Post.objects.posts().published().values("pk")
        )
        .values("category_id")
        .annotate(n=Count("post_id"))
        .values_list("category_id", "n")
    )
    rows = list(
        Category.objects.order_by("name", "pk").values_list("pk", "name", "slug", "parent_id")
    )
    known = {pk for pk, *_ in rows}
    children: dict[int | None, list[tuple]] = {}
    for row in rows:
        parent = row[3] if row[3] in known else None
        children.setdefault(parent, []).append(row)

    placed: set[int] = set()

    def build(row, prefix: str) -> CategoryNode:
        pk, name, slug, _ = row
        placed.add(pk)
        node = CategoryNode(pk, name, f"{prefix}{slug}", counts.get(pk, 0))
        for child in children.get(pk, []):
            if child[0] not in placed:
                node.children.append(build(child, f"{node.path}/"))
        node.total = node.posts + sum(c.total for c in node.children)
        if with_posts_only:
            node.children = [c for c in node.children if c.total]
        return node

    roots = [build(row, "") for row in children.get(None, [])]
    # categories only reachable through a cycle of parents: shown at the top
    roots += [build(row, "") for row in rows if row[0] not in placed]
    return [r for r in roots if r.total or not with_posts_only]


# --- pages ------------------------------------------------------------------------------------


def page_tree(pages) -> list[tuple[Post, int]]:
    """The pages of an iterable as WordPress's list of pages shows them: each followed by its
    children, siblings by menu_order then title (case-insensitively) then id, as (page, depth)
    pairs, depth 0 at the top. A page whose parent is not among them is placed at the top;
    a parent cycle (made outside the editor) is broken where it is first met. Parents found
    among them are set on their children, so their addresses need no query."""
    pages = list(pages)
    by_pk = {p.pk: p for p in pages}
    children: dict[int | None, list[Post]] = {}
    for page in pages:
        parent = by_pk.get(page.parent_id)
        if parent is not None:
            page.parent = parent
        children.setdefault(parent and parent.pk, []).append(page)
    for siblings in children.values():
        siblings.sort(key=lambda p: (p.menu_order, p.title.casefold(), p.pk))
    out: list[tuple[Post, int]] = []
    placed: set[int] = set()

    def walk(root: Post) -> None:  # depth first, without recursion (any depth of nesting)
        stack = [(root, 0)]
        while stack:
            page, depth = stack.pop()
            if page.pk in placed:
                continue
            placed.add(page.pk)
            out.append((page, depth))
            stack += [(child, depth + 1) for child in reversed(children.get(page.pk, []))]

    for root in children.get(None, []):
        walk(root)
    for page in sorted(pages, key=lambda p: (p.menu_order, p.title.casefold(), p.pk)):
        if page.pk not in placed:  # only reachable through a cycle of parents
            walk(page)
    return out


def page_descendant_ids(page: Post) -> set[int]:
    """The ids of the pages under page, at any depth (one query per level; cycle-safe)."""
    found: set[int] = set()
    frontier = {page.pk}
    while frontier:
        below = Post.objects.pages().filter(parent__in=frontier).exclude(pk__in=found | {page.pk})
        frontier = set(below.values_list("pk", flat=True))
        found |= frontier
    return found
