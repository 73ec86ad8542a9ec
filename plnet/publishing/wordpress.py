"""Import a WordPress export (WXR) into plnet: authors, terms, posts, pages, attachments, comments.

`import_wxr(path_or_file)` streams the file through `plnet.protocols.wxr.parse` and writes each
record as it arrives (comments a batch of items at a time), all inside one transaction: a file
refused halfway (truncated, hostile, not WXR) raises `WxrError` and leaves the database as it was.
Memory stays flat: only terms, authors and the ids needed to link parents are remembered.

Import keys, so that importing the same file again changes nothing and a second file adds to what
is there: authors by WordPress login (`User.wp_login`); categories and tags by slug; posts, pages
and attachments by (`wp_site`, `wp_post_id`) where `wp_site` is the export's base blog URL;
comments by (post, `wp_comment_id`); old URLs by path.

A re-import never undoes what was done here. Each imported post, page, attachment and category
keeps two digests: of the item as the export said it, and of the fields the import wrote. On a
later import the item is left alone when the export says what it said last time; it is updated
when the export changed and the row still holds what the import wrote; when both changed (a newer
export, and an edit here since), the edit made here is kept and the summary lists it as a
conflict, saying what changed (the file, or only the author mapping). A post or page in plnet's
trash that the file has out of it is left in the trash and listed as such ("in the trash here:
left alone"); restoring it is for someone here to decide. An attachment left alone or kept keeps the post it belongs to here as well. Comments
already imported are never changed, so moderation decisions taken here survive a re-import.
A post or page deleted here for good (`services.delete_post` keeps its key in DeletedImport) is
not imported again: the summary counts it under "deleted here: not imported again".

Posts and pages in WordPress's trash come as posts in plnet's trash, with the status they had
and the moment they were trashed (`_wp_trash_meta_status`, `_wp_trash_meta_time`; the import's
time when not said, so they are kept the full PLNET_POST_TRASH_DAYS), their slug without the
`__trashed` suffix WordPress gave it, and their comments in the states they had before
(`_wp_trash_meta_comments_status`), hidden with the post until it is restored.

What is not imported (revisions, trashed attachments, nav menu items, other post types, comments
of unknown types, terms of other taxonomies) is counted in the summary with the reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import mimetypes
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import nh3
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, When
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from taggit.models import Tag

from plnet.conversation.models import Comment
from plnet.core.html import clean_comment_html, clean_html
from plnet.protocols import wxr
from plnet.protocols.wpautop import autop

from .models import Attachment, Category, DeletedImport, LegacyURL, Post, Tombstone
from .services import is_reserved_page_slug, unique_slug
from .sitecache import published_changed

STATUS = {
    "publish": Post.Status.PUBLISHED,
    "future": Post.Status.SCHEDULED,
    "private": Post.Status.PRIVATE,
    "draft": Post.Status.DRAFT,
    "pending": Post.Status.DRAFT,
    "auto-draft": Post.Status.DRAFT,
}
COMMENT_STATE = {
    "1": Comment.State.APPROVED,
    "approve": Comment.State.APPROVED,
    "0": Comment.State.PENDING,
    "hold": Comment.State.PENDING,
    "spam": Comment.State.SPAM,
    "trash": Comment.State.TRASH,
    "post-trashed": Comment.State.TRASH,
}
COMMENT_TYPE = {
    "": Comment.Type.COMMENT,
    "comment": Comment.Type.COMMENT,
    "pingback": Comment.Type.PINGBACK,
    "trackback": Comment.Type.TRACKBACK,
}
_PLURALS = {
    "author": "authors",
    "category": "categories",
    "tag": "tags",
    "post": "posts",
    "page": "pages",
    "attachment": "attachments",
    "comment": "comments",
    "old URL": "old URLs",
}
COMMENT_BATCH = 1000  # comments queued before they are inserted (bounds memory)
PARENT_BATCH = 500  # ids per parent look-up, under SQLite's bound-variable limit
_SLUG = re.compile(r"[-\w]+")
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")
_LOGIN_UNSAFE = re.compile(r"[^a-z0-9 _.@-]", re.IGNORECASE)
_OCTET = re.compile(r"%[a-fA-F0-9]{2}")
_ENTITY = re.compile(r"&.+?;")
# The post fields an import writes: compared to tell an edit made here from a newer export.
POST_FIELDS = (
    "post_type", "title", "slug", "body", "body_format", "excerpt", "status", "published_at",
    "date_floating", "author_id", "menu_order", "comment_status", "ping_status", "sticky", "password", "guid",
)  # fmt: skip
# The attachment fields an import writes (its post is linked apart, once every item is in).
ATTACHMENT_FIELDS = ("title", "url", "mime_type", "caption", "description", "old_path")
# Parts of an item that say nothing about the post (where it sits in the file, its comments,
# which are keyed one by one, and meta fields plnet does not import).
_NOT_DIGESTED = {"line", "comments", "meta"}


def digest(data) -> str:
    """A stable SHA-256 hex digest of JSON-able data (datetimes in UTC ISO form, sets sorted)."""

    def plain(value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        if isinstance(value, set | frozenset):
            return sorted(value)
        return str(value)

    text = json.dumps(data, sort_keys=True, default=plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def item_digest(item: wxr.WxrItem, author_id: int | None = None) -> str:
    """Digest of what the export says about an item (not its comments or place in the file),
    with the account its author was given (so that a new `author_map` counts as a change)."""
    fields = dataclasses.asdict(item)
    data = {k: v for k, v in fields.items() if k not in _NOT_DIGESTED}
    return digest({**data, "account": author_id})


def post_state_digest(fields: dict, category_ids: set[int], tag_ids: set[int]) -> str:
    """Digest of a post's imported fields (`POST_FIELDS`) and its category and tag ids."""
    data = {k: fields[k] for k in POST_FIELDS}
    return digest({**data, "categories": set(category_ids), "tags": set(tag_ids)})


def attachment_state_digest(fields: dict) -> str:
    """Digest of an attachment's imported fields (`ATTACHMENT_FIELDS`)."""
    return digest({k: fields[k] for k in ATTACHMENT_FIELDS})


def category_state_digest(name: str, description: str, parent_slug: str) -> str:
    """Digest of what an import writes to a category."""
    return digest([name, description, parent_slug])


@dataclass
class ImportSummary:
    """What an import did. `created`/`updated`/`unchanged` count by kind ("author", "post",
    "page", "attachment", "comment", "category", "tag", "old URL"); `comments` counts the
    comments created by state; `skipped` counts what was left out by reason; `notes` counts
    what was imported differently from the file (and why); `kept` counts by kind the items
    changed here and whose import changed since the last one (the file, or how it is imported:
    the author mapping), where the edit made here was kept, and `conflicts` names them (for
    posts and pages, with what changed); `in_trash` names the posts and pages in plnet's trash
    that the file has out of it: a re-import leaves them in the trash, as it found them;
    `accounts` names the accounts made, with why a username differs from the login."""

    file: str = ""
    site: str = ""
    items: int = 0
    comments_read: int = 0
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    comments: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    conflicts: list[str] = field(default_factory=list)
    in_trash: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    dry_run: bool = False

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] += count

    def note(self, what: str) -> None:
        self.notes[what] += 1

    def lines(self) -> list[str]:
        """The summary as lines of text for the command line."""
        out = [f"{'Would import' if self.dry_run else 'Imported'} {self.file} ({self.site})"]
        out.append(f"  read {self.items} items and {self.comments_read} comments")
        for kind, plural in _PLURALS.items():
            out.append(
                f"  {plural:<12} {self.created[kind]:>6} new, {self.updated[kind]:>6} updated,"
                f" {self.unchanged[kind]:>6} unchanged"
            )
        states = ", ".join(f"{self.comments[s.value]} {s.value}" for s in Comment.State)
        out.append(f"  new comments by state: {states}")
        if self.skipped:
            out.append(f"  skipped ({sum(self.skipped.values())}):")
            out += [f"    {n:>6}  {reason}" for reason, n in sorted(self.skipped.items())]
        else:
            out.append("  skipped: nothing")
        if self.notes:
            out.append(f"  imported with changes ({sum(self.notes.values())}):")
            out += [f"    {n:>6}  {what}" for what, n in sorted(self.notes.items())]
        if self.accounts:
            out.append(f"  new accounts ({len(self.accounts)}): {', '.join(self.accounts)}")
        if self.in_trash:
            out.append(f"  in the trash here: left alone ({len(self.in_trash)}):")
            out += [f"    {what}" for what in self.in_trash]
        if self.conflicts:
            out.append(
                f"  conflicts ({len(self.conflicts)}): edited here, and the import changed since"
                " the last one; kept your edit:"
            )
            out += [f"    {what}" for what in self.conflicts]
        return out

    def conflict(self, kind: str, what: str, why: str = "") -> None:
        self.kept[kind] += 1
        self.conflicts.append(f"{kind} {what}" + (f": {why}" if why else ""))


def import_wxr(
    source: str | Path | BinaryIO,
    *,
    progress: Callable[[ImportSummary], None] | None = None,
    author_default: str | None = None,
    author_map: dict[str, str] | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Import one WXR file (a path or a binary file object) in a single transaction.

    `progress(summary)` is called after each item. `author_default` names an existing user
    who gets the items that name no author. With `dry_run`, everything is done and then rolled
    back: the checks (slugs taken, items already imported, conflicts, threading) read what the
    items before wrote, so a dry run writes too and, on SQLite, holds the write lock as long as
    an import does (README says so). After commit, when comments labelled approved or spam came in, the spam filter is
    retrained in the background. Raises `plnet.protocols.wxr.WxrError` (nothing written) when the file is refused, and
    `LookupError` when `author_default` is not a user. `author_map` maps WordPress logins to
    existing usernames: those authors' items go to these accounts (no account is made for
    them); it raises `LookupError` too when a username is not a user.
    """
    name = source if isinstance(source, str | Path) else getattr(source, "name", "uploaded file")
    summary = ImportSummary(file=str(name), dry_run=dry_run)
    with transaction.atomic():
        importer = _Importer(summary, author_default, author_map or {})
        for record in wxr.parse(source):
            importer.add(record)
            if isinstance(record, wxr.WxrItem) and progress is not None:
                progress(summary)
        importer.finish()
        if dry_run:
            transaction.set_rollback(True)
            return summary
        published_changed()  # new pages, categories, years (after commit)
        if summary.comments[Comment.State.SPAM] or summary.comments[Comment.State.APPROVED]:
            # the imported moderation history is training data for this site's spam filter
            transaction.on_commit(_retrain_spam_filter)
    return summary


def _retrain_spam_filter() -> None:
    from plnet.conversation.tasks import request_retrain

    request_retrain()  # not a second one when one is still waiting to start


def wordpress_html(content: str) -> str:
    """WordPress post content as HTML: paragraphs added as WordPress would, nothing dropped.

    Shortcodes stay as readable text and block comments stay as HTML comments; the result is
    sanitised when the post is saved (`Post.render_body`).
    """
    return autop(content)


def plain_text(html: str) -> str:
    """Text of a title or excerpt that may hold HTML (tags removed, entities decoded)."""
    return unescape(nh3.clean(html, tags=set())).strip()


def wp_slug(raw: str, fallback: str = "", *, max_length: int = 200) -> str:
    """A slug from WordPress's percent-encoded one (e.g. `%ce%b5…` becomes `ε…`).

    Anything a SlugField would not hold (a "/", spaces, punctuation) is slugified, so that
    permalinks can always be built; with no slug, the fallback text is slugified.
    """
    slug = unquote(raw.strip())
    if not _SLUG.fullmatch(slug):
        slug = slugify(slug or fallback, allow_unicode=True)
    return slug[:max_length]


def wp_login_key(raw: str) -> str:
    """The login WordPress's importer looks an author up by: `sanitize_user(login, strict=true)`
    of both <wp:author_login> and an item's <dc:creator>. Tags, accents, %-octets and entities
    go, then anything but letters, digits, space and `_ . - @`; spaces collapse. So a malformed
    `<dc:creator>>themereviewteam</dc:creator>` is the author "themereviewteam"."""
    text = unicodedata.normalize("NFKD", strip_tags(raw))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _LOGIN_UNSAFE.sub("", _ENTITY.sub("", _OCTET.sub("", text)))
    return " ".join(text.split())


def imported_account(login: str):
    """The account an earlier import made for this WordPress login (by its `wp_login_key`, or
    the login as written), or None."""
    key = wp_login_key(login)
    found = get_user_model().objects.filter(wp_login__in={key[:150], login[:150]})
    return found.order_by(Case(When(wp_login=key[:150], then=0), default=1), "pk").first()


def free_username(key: str) -> str:
    """The username a new account for this login key gets: the key made a valid username,
    suffixed -wp (then -wp2…) when an account here already has it."""
    base = _USERNAME_UNSAFE.sub("-", key)[:140] or "author"
    User = get_user_model()
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        candidate = f"{base}-wp" if n == 1 else f"{base}-wp{n}"
        n += 1
    return candidate


def new_account_note(login: str, username: str) -> str:
    """Why a new account's username is not the login as the file wrote it ("" when it is):
    the login made safe (WordPress's sanitize_user), and/or its name taken here."""
    key = wp_login_key(login)
    why = []
    if key != login:
        why.append(f"the login {login!r} made safe")
    if username != key:
        why.append(f"{key or 'author'!r} is taken here")
    return ", ".join(why)


def account_choice_label(login: str) -> str:
    """What the import page offers for a login when no existing user is chosen, naming the
    account the import will really use: the one an earlier import made, or a new one (with
    why its username differs from the login)."""
    found = imported_account(login)
    if found is not None:
        return f"the account {found.username} (made for {wp_login_key(login)} by an earlier import)"
    username = free_username(wp_login_key(login))
    why = new_account_note(login, username)
    return f"a new account {username}" + (f" — {why}" if why else "")


def web_url(url: str, *, max_length: int = 1000) -> str:
    """url when it is an http(s) URL that fits the column, else "" (no javascript: links)."""
    url = url.strip()
    if len(url) > max_length or urlsplit(url).scheme.lower() not in {"http", "https"}:
        return ""
    return url


@dataclass(frozen=True)
class TrashFacts:
    """What WordPress's wp_trash_post kept of an item in its trash: the status it had (read as
    plnet's, a draft when unknown), when it was trashed (None when not said), and its slug
    before the `__trashed` suffix freed it (`_wp_desired_post_slug`)."""

    status: str
    at: datetime | None
    slug: str


def trash_facts(item: wxr.WxrItem) -> TrashFacts:
    """The TrashFacts of an item whose wp:status is trash, from its postmeta."""
    meta = dict(item.meta)
    status = STATUS.get(meta.get("_wp_trash_meta_status", "").strip(), Post.Status.DRAFT)
    raw_time = meta.get("_wp_trash_meta_time", "").strip()
    at = None
    if raw_time.isascii() and raw_time.isdigit() and len(raw_time) <= 11:
        at = datetime.fromtimestamp(int(raw_time), tz=UTC)
    slug = meta.get("_wp_desired_post_slug", "").strip() or item.slug.removesuffix("__trashed")
    return TrashFacts(status, at, slug)


_TRASHED_COMMENT = re.compile(r'i:(\d+);s:\d+:"([^"]*)";')


def trashed_comment_states(item: wxr.WxrItem) -> dict[int, str]:
    """The states WordPress kept for the comments of a trashed item, by comment id (its
    `_wp_trash_meta_comments_status`, a PHP-serialised array of id → comment_approved): the
    comments are written "post-trashed" meanwhile, and this is what restoring gives back."""
    meta = dict(item.meta).get("_wp_trash_meta_comments_status", "")
    return {int(cid): approved for cid, approved in _TRASHED_COMMENT.findall(meta)}


def _aware(naive: datetime | None, tz) -> datetime | None:
    return naive.replace(tzinfo=tz) if naive is not None else None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class _Importer:
    """Writes records one by one; remembers only what later records need (terms, authors,
    parents to link once every item is in)."""

    def __init__(
        self, summary: ImportSummary, author_default: str | None, author_map: dict[str, str]
    ):
        self.summary = summary
        self.site: wxr.WxrSite | None = None
        self.site_key = ""
        self.blog_path = ""
        self.tz = timezone.get_current_timezone()
        self.users: dict[str, int] = {}
        self.user_by_wp_id: dict[int, int] = {}
        self.categories: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        self.new_terms: set[tuple[str, int]] = set()
        self.seen_items: set[int] = set()
        self.post_type: ContentType | None = None
        self.queued_comments: list[tuple[Comment, int | None]] = []
        self.stored_comments: dict[tuple[int, int], int] = {}
        self.category_parents: list[tuple[int, str]] = []
        self.post_parents: list[tuple[int, int]] = []
        self.attachment_parents: list[tuple[int, int]] = []
        self.deleted_ids: set[int] | None = None  # see _deleted_here
        self.tombstoned: list[int] = []  # posts in (or just out of) the trash: see _tombstones
        self.started = timezone.now()
        self.default_user_id = None
        if author_default:
            self.default_user_id = self._existing_user_id(author_default)
        self.mapped = {wp_login_key(login): name for login, name in author_map.items()}
        for key, username in self.mapped.items():
            self.users[key] = self._existing_user_id(username)

    @staticmethod
    def _existing_user_id(username: str) -> int:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise LookupError(f"no user named {username!r}")
        return user.pk

    # --- dispatch ------------------------------------------------------------------------

    def add(self, record: wxr.WxrRecord) -> None:
        if isinstance(record, wxr.WxrSite):
            self._site(record)
        elif isinstance(record, wxr.WxrAuthor):
            self._author(record)
        elif isinstance(record, wxr.WxrCategory):
            self._category(
                record.slug,
                record.name,
                record.parent_slug,
                record.description,
                record.term_id,
                declared=True,
            )
        elif isinstance(record, wxr.WxrTag):
            self._tag(record.slug, record.name)
        elif isinstance(record, wxr.WxrTerm):
            self._term(record)
        elif isinstance(record, wxr.WxrItem):
            self._item(record)

    def finish(self) -> None:
        """Insert the last comments; link what could only be linked once all was read."""
        self._insert_comments()
        for category_id, parent_slug in self.category_parents:
            parent_id = self._category_id(parent_slug)
            if parent_id and parent_id != category_id:
                Category.objects.filter(pk=category_id).exclude(parent_id=parent_id).update(
                    parent_id=parent_id
                )
        self._link_parents(Post, self.post_parents)
        self._link_parents(Attachment, self.attachment_parents, field_name="post_id")
        self._tombstones()

    def _tombstones(self) -> None:
        """The address of a post in the trash that was public answers 410 Gone while it is
        there, as when it is trashed here (`services.trash_post`); one the export took out of
        the trash again is lifted. Once parents are linked: a page's address needs them."""
        for start in range(0, len(self.tombstoned), PARENT_BATCH):
            ids = self.tombstoned[start : start + PARENT_BATCH]
            for post in Post.objects.filter(pk__in=ids).select_related("parent"):
                path = post.get_absolute_url()
                if post.is_trashed and post.trashed_from == Post.Status.PUBLISHED:
                    Tombstone.objects.get_or_create(path=path)
                elif not post.is_trashed:
                    Tombstone.objects.filter(path=path).delete()

    def _link_parents(self, model, pairs: list[tuple[int, int]], field_name="parent_id") -> None:
        wanted = sorted({wp_id for _, wp_id in pairs})
        found = {}
        for start in range(0, len(wanted), PARENT_BATCH):
            chunk = wanted[start : start + PARENT_BATCH]
            rows = Post.objects.filter(wp_site=self.site_key, wp_post_id__in=chunk)
            found.update(rows.values_list("wp_post_id", "pk"))
        for pk, wp_id in pairs:
            target = found.get(wp_id)
            if target is None:
                self.summary.note("parent not in the file (left without a parent)")
            elif model is not Post or target != pk:  # a page is never its own parent
                model.objects.filter(pk=pk).exclude(**{field_name: target}).update(
                    **{field_name: target}
                )

    # --- site, authors, terms ------------------------------------------------------------

    def _site(self, site: wxr.WxrSite) -> None:
        self.site = site
        base = site.base_blog_url or site.base_site_url or site.link
        self.site_key = base.rstrip("/")
        self.blog_path = unquote(urlsplit(base).path).rstrip("/")
        self.summary.site = self.site_key or "no site URL"

    def _author(self, author: wxr.WxrAuthor) -> None:
        if not wp_login_key(author.login):
            self.summary.skip("author without a login")
            return
        user_id = self._user_id(author.login, author)
        if wp_login_key(author.login) in self.mapped:
            key = wp_login_key(author.login)
            self.summary.note(f"author '{key}' imported as the account '{self.mapped[key]}'")
        if author.author_id is not None:
            self.user_by_wp_id[author.author_id] = user_id

    def _user_id(self, login: str, author: wxr.WxrAuthor | None = None) -> int:
        """The user for a WordPress login, found by its `wp_login_key` (or, for accounts an
        earlier import made, the login as written), else created."""
        key = wp_login_key(login)
        if key in self.users:
            return self.users[key]
        user = imported_account(login)
        if user is not None:
            self.summary.unchanged["author"] += 1
        else:
            user = self._new_account(login, key, author)
        self.users[key] = user.pk
        return user.pk

    def _new_account(self, login: str, key: str, author: wxr.WxrAuthor | None):
        """A new account (no password) for a login; the summary names it, and says why its
        username differs from the login. A display name that is only the login becomes the
        username when that differs, so that two accounts never show the same name."""
        user = get_user_model()(username=free_username(key), wp_login=key[:150])
        if author is not None:
            user.email = author.email[:254]
            user.display_name = author.display_name[:250]
            user.first_name = author.first_name[:150]
            user.last_name = author.last_name[:150]
        if user.username != key and user.display_name.strip() in {"", login.strip(), key}:
            user.display_name = user.username
        user.set_unusable_password()
        user.save()
        self.summary.created["author"] += 1
        why = new_account_note(login, user.username)
        self.summary.accounts.append(user.username + (f" ({why})" if why else ""))
        return user

    def _term(self, term: wxr.WxrTerm) -> None:
        if term.taxonomy == "category":
            self._category(
                term.slug,
                term.name,
                term.parent_slug,
                term.description,
                term.term_id,
                declared=True,
            )
        elif term.taxonomy == "post_tag":
            self._tag(term.slug, term.name)
        else:
            self.summary.skip(f"terms of taxonomy '{term.taxonomy or '?'}' are not imported")

    def _category(
        self, slug, name, parent_slug="", description="", term_id=None, *, declared=False
    ) -> int | None:
        """The id of the category with this slug, created when missing.

        A `declared` category (the export's own <wp:category>, with its description and
        parent) that an earlier import made is updated when the export changed it since and
        nobody changed it here; when both did, the edit made here is kept (a conflict).
        """
        slug = wp_slug(slug, name)
        name = (name or slug)[:250]
        if not slug:
            self.summary.skip("category without a slug or name")
            return None
        if slug in self.categories:
            return self.categories[slug]
        parent_slug = wp_slug(parent_slug) if parent_slug else ""
        read = digest([slug, name, description, parent_slug]) if declared else ""
        written = category_state_digest(name, description, parent_slug) if declared else ""
        category = Category.objects.filter(slug=slug).select_related("parent").first()
        link_parent = bool(parent_slug)
        if category is None:
            category = Category.objects.create(
                slug=slug,
                name=name,
                description=description,
                wp_term_id=term_id,
                wp_export_digest=read,
                wp_written_digest=written,
            )
            self.summary.created["category"] += 1
            self.new_terms.add(("category", category.pk))
        elif ("category", category.pk) in self.new_terms:
            pass
        elif not declared or category.wp_export_digest == read:
            self.summary.unchanged["category"] += 1
            link_parent = False
        else:
            link_parent = self._reconcile_category(category, read, written, name, description)
            link_parent = link_parent and bool(parent_slug)
        if link_parent:
            self.category_parents.append((category.pk, parent_slug))
        self.categories[slug] = category.pk
        return category.pk

    def _reconcile_category(
        self, category: Category, read: str, written: str, name: str, description: str
    ) -> bool:
        """A category the export changed since the last import: update it unless it was
        edited here too (then keep it: a conflict). True when it was updated."""
        parent = category.parent.slug if category.parent else ""
        current = category_state_digest(category.name, category.description, parent)
        rows = Category.objects.filter(pk=category.pk)
        if current == written:  # the file now says what is here already
            rows.update(wp_export_digest=read, wp_written_digest=written)
            self.summary.unchanged["category"] += 1
            return False
        if current != category.wp_written_digest:
            rows.update(wp_export_digest=read)
            self.summary.conflict("category", f"'{category.name}' ({category.slug})")
            return False
        rows.update(
            name=name,
            description=description,
            parent=None,
            wp_export_digest=read,
            wp_written_digest=written,
        )
        self.summary.updated["category"] += 1
        return True

    def _category_id(self, slug: str) -> int | None:
        if slug not in self.categories:
            found = Category.objects.filter(slug=slug).values_list("pk", flat=True).first()
            if found is None:
                return None
            self.categories[slug] = found
        return self.categories[slug]

    def _tag(self, slug: str, name: str) -> int | None:
        slug = wp_slug(slug, name, max_length=100)
        name = (name or slug)[:100]
        if not slug:
            self.summary.skip("tag without a slug or name")
            return None
        if slug in self.tags:
            return self.tags[slug]
        tag = Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
        if tag is None:
            tag = Tag.objects.create(slug=slug, name=name)
            self.summary.created["tag"] += 1
            self.new_terms.add(("tag", tag.pk))
        elif ("tag", tag.pk) not in self.new_terms:
            self.summary.unchanged["tag"] += 1
        self.tags[slug] = tag.pk
        return tag.pk

    # --- items -----------------------------------------------------------------------------

    def _item(self, item: wxr.WxrItem) -> None:
        self.summary.items += 1
        self.summary.comments_read += len(item.comments)
        reason = self._skip_reason(item)
        if not reason and item.post_id in self.seen_items:
            reason = "item repeats a wp:post_id already read (the first one kept)"
        if not reason and item.post_type != "attachment" and self._deleted_here(item.post_id):
            reason = "deleted here: not imported again"
        if reason:
            self.summary.skip(reason)
            self.summary.skip("comments on items not imported", len(item.comments))
            return
        self.seen_items.add(item.post_id)
        if item.post_type == "attachment":
            self._attachment(item)
            self.summary.skip("comments on attachments", len(item.comments))
            return
        terms = self._item_terms(item)
        post, created = self._post(item, terms)
        self._old_urls(post, item)
        self._comments(post, item, created)

    def _deleted_here(self, post_id: int) -> bool:
        """Was the post or page of this WordPress id deleted here for good (a DeletedImport)
        and not imported again since? (Read once, on the first item.)"""
        if self.deleted_ids is None:
            rows = DeletedImport.objects.filter(wp_site=self.site_key)
            self.deleted_ids = set(rows.values_list("wp_post_id", flat=True))
        return post_id in self.deleted_ids

    @staticmethod
    def _skip_reason(item: wxr.WxrItem) -> str | None:
        if item.post_id is None:
            return "item without a wp:post_id"
        if not item.post_type:
            return "item without a wp:post_type"
        if item.post_type not in {"post", "page", "attachment"}:
            return f"post type '{item.post_type}' is not imported"
        if item.status == "trash" and item.post_type == "attachment":
            return "item in WordPress's trash"  # attachments have no trash here
        if item.status == "inherit" and item.post_type != "attachment":
            return "post with status 'inherit' (a revision)"
        return None

    def _when(self, item: wxr.WxrItem) -> datetime | None:
        if item.post_date_gmt is not None:
            return item.post_date_gmt.replace(tzinfo=UTC)
        return _aware(item.post_date, self.tz) or item.pub_date

    def _author_id(self, login: str) -> int | None:
        if not wp_login_key(login):
            return self.default_user_id
        return self._user_id(login)

    def _post(self, item: wxr.WxrItem, terms: tuple[set[int], set[int]]) -> tuple[Post, bool]:
        when = self._when(item)
        title = plain_text(item.title)[:500]
        trash = trash_facts(item) if item.status == "trash" else None
        status = Post.Status.TRASH if trash else STATUS.get(item.status, Post.Status.DRAFT)
        slug = wp_slug(trash.slug if trash else item.slug)
        if not slug and status != Post.Status.DRAFT:
            slug = wp_slug("", title) or str(item.post_id)
        values = {
            "post_type": item.post_type,
            "title": title,
            "slug": slug,
            "body": wordpress_html(item.content),
            "body_format": Post.BodyFormat.HTML,
            "excerpt": plain_text(item.excerpt),
            "status": status,
            "published_at": when,
            # WordPress leaves a draft's GMT date unset until someone sets a date: publishing
            # it dates it then (wp_insert_post), so the export's date is only a placeholder.
            "date_floating": item.post_date_gmt is None
            and (trash.status if trash else status) == Post.Status.DRAFT,
            "author_id": self._author_id(item.creator),
            "menu_order": item.menu_order,
            "comment_status": "open" if item.comment_status == "open" else "closed",
            "ping_status": "open" if item.ping_status == "open" else "closed",
            "sticky": item.is_sticky,
            "password": item.password[:255],
            "guid": item.guid[:500],
            # not among POST_FIELDS: the status says whether the post is in the trash
            "trashed_from": trash.status if trash else "",
            "trashed_at": (trash.at or self.started) if trash else None,
        }
        if item.status not in STATUS and not trash:
            self.summary.note(f"status '{item.status}' read as draft")
        post = Post.objects.filter(wp_site=self.site_key, wp_post_id=item.post_id).first()
        was_trashed = post is not None and post.is_trashed
        if item.post_type == "page" and not item.parent_id and slug:
            self._free_page_slug(values, post)
        kind, created = item.post_type, post is None
        read = item_digest(item, values["author_id"])
        if not created and values["author_id"] is None:
            values["author_id"] = post.author_id  # the file names nobody: keep whoever it has
        written = post_state_digest(values, *terms)
        if created:
            post = Post(wp_site=self.site_key, wp_post_id=item.post_id, **values)
            post.created_at = when or timezone.now()
            post.wp_export_digest, post.wp_written_digest = read, written
            post.save()
            self._link_terms(post, *terms, created=True)
            self.summary.created[kind] += 1
        elif was_trashed and not trash:
            # trashed here: left there (digests untouched, so that once restored the next
            # import updates it or reports a conflict as for any other post)
            self.summary.in_trash.append(f"{kind} '{post.title}' (WordPress id {item.post_id})")
        elif post.wp_export_digest == read:
            self.summary.unchanged[kind] += 1  # the export says what it said last time
        else:
            why = self._what_changed(item, post)
            self._reconcile_post(post, values, terms, read, written, why)
        if item.parent_id:
            self.post_parents.append((post.pk, item.parent_id))
        if trash or was_trashed:
            self.tombstoned.append(post.pk)
        return post, created

    @staticmethod
    def _what_changed(item: wxr.WxrItem, post: Post) -> str:
        """Why an item's export digest differs from the one kept: the file, or (when the item
        read with the post's current account gives the kept digest) only the author mapping."""
        if not post.wp_export_digest:
            return "imported before plnet kept what each import wrote"
        if item_digest(item, post.author_id) == post.wp_export_digest:
            return "the author mapping changed, not the file"
        return "the file changed"

    def _free_page_slug(self, values: dict, post: Post | None) -> None:
        """Give a top-level page a slug no other top-level page holds (WordPress adds -2, -3…):
        one of plnet's own addresses, or a page of another import or made here."""
        slug = values["slug"]
        if is_reserved_page_slug(slug):
            why = "is one of plnet's own addresses"
        elif (
            Post.objects.pages()
            .filter(slug=slug, parent__isnull=True)
            .exclude(wp_site=self.site_key, wp_post_id__isnull=False)
            .exclude(pk=post and post.pk)
            .exists()
        ):
            why = "is taken by another page"
        else:
            return
        values["slug"] = unique_slug(
            slug, post_type="page", exclude_pk=post and post.pk, top_level=True
        )
        self.summary.note(f"page slug '{slug}' {why}: now '{values['slug']}'")

    def _reconcile_post(
        self, post: Post, values: dict, terms, read: str, written: str, why: str
    ) -> None:
        """A post the export changed since the last import (or imported before digests were
        kept), `why` saying what changed: update it unless it was edited here too, then keep
        it (a conflict)."""
        kind, rows = post.post_type, Post.objects.filter(pk=post.pk)
        current = post_state_digest(
            {k: getattr(post, k) for k in POST_FIELDS}, *self._current_terms(post)
        )
        if current == written:  # the file now says what is here already
            rows.update(wp_export_digest=read, wp_written_digest=written)
            self.summary.unchanged[kind] += 1
        elif current != post.wp_written_digest:  # edited here since the last import
            rows.update(wp_export_digest=read)
            what = f"'{post.title}' (WordPress id {post.wp_post_id})"
            self.summary.conflict(kind, what, why)
        else:
            for k, v in values.items():
                setattr(post, k, v)
            post.wp_export_digest, post.wp_written_digest = read, written
            post.save()
            self._link_terms(post, *terms, created=False)
            self.summary.updated[kind] += 1

    def _current_terms(self, post: Post) -> tuple[set[int], set[int]]:
        if self.post_type is None:
            self.post_type = ContentType.objects.get_for_model(Post)
        tags = Post.tags.through.objects.filter(content_type=self.post_type, object_id=post.pk)
        return (
            set(post.categories.values_list("pk", flat=True)),
            set(tags.values_list("tag_id", flat=True)),
        )

    def _item_terms(self, item: wxr.WxrItem) -> tuple[set[int], set[int]]:
        """The ids of the item's categories and tags (created when missing)."""
        category_ids, tag_ids = set(), set()
        for term in item.terms:
            if term.taxonomy == "category":
                category_ids.add(self._category(term.slug, term.name))
            elif term.taxonomy == "post_tag":
                tag_ids.add(self._tag(term.slug, term.name))
            elif term.taxonomy:
                self.summary.skip(f"item terms of taxonomy '{term.taxonomy}' are not imported")
        category_ids.discard(None)
        tag_ids.discard(None)
        return category_ids, tag_ids

    def _link_terms(self, post: Post, category_ids, tag_ids, *, created: bool) -> None:
        if created:  # nothing linked yet: one INSERT
            through = Post.categories.through
            through.objects.bulk_create(
                through(post_id=post.pk, category_id=c) for c in sorted(category_ids)
            )
        elif set(post.categories.values_list("pk", flat=True)) != category_ids:
            post.categories.set(category_ids)
        self._set_tags(post, tag_ids, created)

    def _set_tags(self, post: Post, tag_ids: set[int], created: bool) -> None:
        """Link the post to exactly these tags through taggit's table (one query when unchanged)."""
        through = Post.tags.through
        if self.post_type is None:
            self.post_type = ContentType.objects.get_for_model(Post)
        rows = through.objects.filter(content_type=self.post_type, object_id=post.pk)
        current = set() if created else set(rows.values_list("tag_id", flat=True))
        if current - tag_ids:
            rows.filter(tag_id__in=current - tag_ids).delete()
        through.objects.bulk_create(
            through(content_type=self.post_type, object_id=post.pk, tag_id=tag_id)
            for tag_id in sorted(tag_ids - current)
        )

    def _old_paths(self, item: wxr.WxrItem) -> set[str]:
        paths = {f"{self.blog_path}/?p={item.post_id}"}
        if item.post_type == "page":
            paths.add(f"{self.blog_path}/?page_id={item.post_id}")
        if item.link:
            parts = urlsplit(item.link)
            path = unquote(parts.path) or "/"
            if parts.query:
                path += "?" + parts.query
            if path.strip("/"):
                paths.add(path)
        return {p for p in paths if len(p) <= 1000}

    def _old_urls(self, post: Post, item: wxr.WxrItem) -> None:
        paths = self._old_paths(item)
        existing = dict(LegacyURL.objects.filter(path__in=paths).values_list("path", "post_id"))
        new = [LegacyURL(path=path, post=post) for path in sorted(paths - existing.keys())]
        LegacyURL.objects.bulk_create(new)
        self.summary.created["old URL"] += len(new)
        for path in existing:
            if existing[path] == post.pk:
                self.summary.unchanged["old URL"] += 1
            else:
                self.summary.skip("old URL already leads to another post")

    def _attachment(self, item: wxr.WxrItem) -> None:
        url = web_url(item.attachment_url) or web_url(item.guid)
        if not url:
            self.summary.skip("attachment without a usable URL")
            return
        values = {
            "title": plain_text(item.title)[:500],
            "url": url,
            "mime_type": (mimetypes.guess_type(urlsplit(url).path)[0] or "")[:100],
            "caption": clean_html(item.excerpt.strip()),
            "description": clean_html(autop(item.content.strip())),
            "old_path": self._attachment_page_path(item),
        }
        read, written = item_digest(item), attachment_state_digest(values)
        found = Attachment.objects.filter(wp_site=self.site_key, wp_post_id=item.post_id).first()
        if found is None:
            found = Attachment.objects.create(
                wp_site=self.site_key,
                wp_post_id=item.post_id,
                wp_export_digest=read,
                wp_written_digest=written,
                **values,
            )
            self.summary.created["attachment"] += 1
            link = True
        elif found.wp_export_digest == read:
            self.summary.unchanged["attachment"] += 1  # the export says what it said last time
            link = False  # its post too: one chosen here since stays
        else:
            link = self._reconcile_attachment(found, values, read, written)
        if item.parent_id and link:
            self.attachment_parents.append((found.pk, item.parent_id))

    def _reconcile_attachment(self, found: Attachment, values: dict, read: str, written: str):
        """An attachment the export changed since the last import (or imported before digests
        were kept): update it unless it was edited here too, then keep it (a conflict), as
        `_reconcile_post` does. True when the export's post may be linked to it again."""
        rows = Attachment.objects.filter(pk=found.pk)
        current = attachment_state_digest({k: getattr(found, k) for k in ATTACHMENT_FIELDS})
        if current == written:  # the file now says what is here already
            rows.update(wp_export_digest=read, wp_written_digest=written)
            self.summary.unchanged["attachment"] += 1
            return True
        if current != found.wp_written_digest:  # edited here since the last import
            rows.update(wp_export_digest=read)
            self.summary.conflict(
                "attachment", f"'{found.title}' (WordPress id {found.wp_post_id})"
            )
            return False
        rows.update(wp_export_digest=read, wp_written_digest=written, **values)
        self.summary.updated["attachment"] += 1
        return True

    @staticmethod
    def _attachment_page_path(item: wxr.WxrItem) -> str:
        """Path (and query) of the attachment's page on the old site, "" when it has none."""
        parts = urlsplit(item.link)
        path = unquote(parts.path) or "/"
        if parts.query:
            path += "?" + parts.query
        return path if path.strip("/") and len(path) <= 1000 else ""

    # --- comments ----------------------------------------------------------------------------

    def _comments(self, post: Post, item: wxr.WxrItem, created: bool) -> None:
        """Queue the item's new comments; they are inserted a batch of items at a time."""
        if not item.comments:
            return
        known = post.comments.filter(wp_comment_id__isnull=False)
        ids = {} if created else dict(known.values_list("wp_comment_id", "pk"))
        seen: set[int] = set()
        kept = trashed_comment_states(item) if item.status == "trash" else {}
        for raw in item.comments:
            if raw.comment_id is None:
                self.summary.skip("comment without a wp:comment_id")
            elif raw.comment_type not in COMMENT_TYPE:
                self.summary.skip(f"comment type '{raw.comment_type}' is not imported")
            elif raw.comment_id in seen:
                self.summary.skip(
                    "comment repeats a wp:comment_id already read (the first one kept)"
                )
            elif raw.comment_id in ids:
                self.summary.unchanged["comment"] += 1
            else:
                approved = raw.approved
                if approved == "post-trashed" and raw.comment_id in kept:
                    approved = kept[raw.comment_id]  # what it was before its post was trashed
                self.queued_comments.append((self._comment(post, raw, approved), raw.parent_id))
            if raw.comment_id is not None:
                seen.add(raw.comment_id)
        self.stored_comments.update({(post.pk, wp_id): pk for wp_id, pk in ids.items()})
        if len(self.queued_comments) >= COMMENT_BATCH:
            self._insert_comments()

    def _insert_comments(self) -> None:
        """Insert the queued comments, parents before replies (one INSERT per thread level).

        Replies are linked through `stored_comments`, (post pk, WordPress id) → pk, which grows
        as levels are inserted. A reply whose parent is missing, or part of a cycle, is kept at
        the top level and noted.
        """
        queue, ids = self.queued_comments, self.stored_comments
        waiting = {(c.post_id, c.wp_comment_id) for c, _ in queue}
        while queue:
            blocked = waiting - ids.keys()
            ready = [(c, p) for c, p in queue if (c.post_id, p) not in blocked]
            ready = ready or queue  # only cycles (and their replies) are left: unthreaded
            for comment, parent_wp_id in ready:
                comment.parent_id = ids.get((comment.post_id, parent_wp_id))
                if parent_wp_id and comment.parent_id is None:
                    self.summary.note(
                        "reply whose parent comment is not in the file (kept unthreaded)"
                    )
                self.summary.created["comment"] += 1
                self.summary.comments[comment.state] += 1
            Comment.objects.bulk_create([c for c, _ in ready])
            ids.update({(c.post_id, c.wp_comment_id): c.pk for c, _ in ready})
            done = {id(c) for c, _ in ready}
            queue = [(c, p) for c, p in queue if id(c) not in done]
        self.queued_comments, self.stored_comments = [], {}

    def _comment(self, post: Post, raw: wxr.WxrComment, approved: str) -> Comment:
        state = COMMENT_STATE.get(approved)
        if state is None:
            state = Comment.State.PENDING
            self.summary.note(f"comment state '{approved}' read as pending")
        when = (
            _aware(raw.date_gmt, UTC)
            or _aware(raw.date, self.tz)
            or post.published_at
            or timezone.now()
        )
        return Comment(
            post=post,
            wp_comment_id=raw.comment_id,
            comment_type=COMMENT_TYPE[raw.comment_type],
            state=state,
            user_id=self.user_by_wp_id.get(raw.user_id) if raw.user_id else None,
            author_name=plain_text(raw.author)[:250],
            author_email=raw.author_email[:254],
            author_url=web_url(raw.author_url),
            author_ip=_valid_ip(raw.author_ip),
            raw_content=raw.content,
            content=clean_comment_html(autop(raw.content)),
            created_at=when,
            state_changed_at=when,
            spam_layer="import",
            spam_reason="state in the WordPress export",
        )
