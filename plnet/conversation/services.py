"""The verbs of conversation: placing a new comment through the spam layers and moderation,
moderating, threading, notifying, and emptying old spam and trash.

Side effects (mail, retraining, reports to Akismet) are enqueued as tasks after the transaction
commits; the functions here only decide and write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import OperationalError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from plnet.core.busy import is_lock_timeout
from plnet.core.html import clean_comment_html, render_comment_markdown
from plnet.protocols.spam import APPROVED, HELD, SPAM
from plnet.protocols.wpautop import autop

from . import layers
from .models import Comment, CommentSettings

DUPLICATE_WINDOW = dt.timedelta(minutes=10)
UNSUBSCRIBE_SALT = "plnet.conversation.unsubscribe"
OUTCOME_STATE = {
    SPAM: Comment.State.SPAM,
    HELD: Comment.State.PENDING,
    APPROVED: Comment.State.APPROVED,
}


class CommentRefused(Exception):
    """A comment cannot be taken; str() is a sentence for the person who wrote it."""


class SiteBusy(CommentRefused):
    """The database stayed locked by another writer past its busy timeout (SQLite: a long
    `plnet spam train`, an import); nothing was stored and sending again shortly will work."""


BUSY = (
    "The site is busy and your comment was not saved. Your words are kept below; "
    "please send it again in a moment."
)


class ReplyTargetGone(CommentRefused):
    """The comment being answered cannot take a reply (any more): it is on another post, not
    published (pending, spam, trash) or deleted. The words themselves are fine: the caller may
    offer to post them as a new comment."""


# --- placing new comments ---------------------------------------------------------------------


@transaction.atomic
def place_incoming(comment: Comment, *, request_meta: dict | None = None) -> Comment:
    """Decide the state of a new, unsaved comment (typed here, or received as a linkback) and save it.

    Every incoming response goes through this one function, so the moderation rules and spam layers
    apply to Webmentions and pingbacks as to comments. `request_meta` carries what the request knew,
    all optional: "ip", "user_agent", "referrer", "honeypot" (the hidden field's value),
    "honeypot_field" (its name), "form_seconds" (seconds from page load to submit; present,
    possibly None when the form's `loaded` token was missing or malformed, for form submissions only).
    The first layer that says spam decides; else a layer that holds; else the moderation rule.
    The decision (state, layer, reason, classifier score) is recorded on the comment.
    Returns the saved comment; mail to the post's author is enqueued after commit.
    """
    meta = request_meta or {}
    comment.author_ip = comment.author_ip or meta.get("ip") or None
    comment.user_agent = (comment.user_agent or meta.get("user_agent") or "")[:500]
    verdict = _verdict(comment, meta)
    comment.state = OUTCOME_STATE[verdict.outcome]
    comment.spam_layer, comment.spam_reason = verdict.layer, verdict.reason[:500]
    comment.state_changed_at = timezone.now()
    comment.save()
    if comment.state != Comment.State.SPAM:
        _after_commit_notify(comment)
    return comment


# How strict each state is: an update may move a comment only to a stricter one.
_STRICTNESS = {Comment.State.APPROVED: 0, Comment.State.PENDING: 1, Comment.State.SPAM: 2}


@transaction.atomic
def place_update(comment: Comment, *, request_meta: dict | None = None) -> Comment:
    """Re-moderate a stored comment whose words or author fields changed (an updated Webmention
    source), through the same layers as `place_incoming`, and save it.

    An update can only tighten: approved may become held (pending) or spam, held may become spam;
    spam stays spam and trash stays trash (only the owner takes a comment out of those), and a
    layer that would approve does not publish a held comment the owner has not seen. When the
    state changes, the deciding layer and reason are recorded as for a new comment, with
    "updated:" in front of the reason. The owner's moderation rule (hold a first comment, hold
    all) is not asked again: it decides whether a new comment waits, and this one was already
    past it; only the spam layers (form, rules, classifier, Akismet) read the new words. The caller decides that something changed (see
    `spam_fields_changed`). Returns the saved comment.
    """
    meta = request_meta or {}
    comment.save()
    if comment.state not in _STRICTNESS or comment.state == Comment.State.SPAM:
        return comment
    verdict = _verdict(comment, meta, rule=False)
    if verdict is None:
        comment.save(update_fields=["spam_score"])
        return comment
    new_state = OUTCOME_STATE[verdict.outcome]
    # _verdict leaves the classifier's score of the new words on comment.spam_score
    if _STRICTNESS[new_state] > _STRICTNESS[comment.state]:
        comment.move_to(
            new_state,
            layer=verdict.layer,
            reason=f"updated: {verdict.reason}",
            score=comment.spam_score,
        )
    else:
        comment.save(update_fields=["spam_score"])
    return comment


SPAM_FIELDS = ("raw_content", "content", "author_name", "author_url", "author_email")


def spam_fields_changed(comment: Comment, fields: dict) -> bool:
    """True when `fields` (name -> new value) would change what the spam layers read of comment:
    its text or its author's name, URL or email."""
    return any(name in fields and fields[name] != getattr(comment, name) for name in SPAM_FIELDS)


def _verdict(comment: Comment, meta: dict, *, rule: bool = True) -> layers.Verdict | None:
    """The first spam verdict of the layers, else the first held one, else the owner's
    moderation rule (or None when `rule` is False and no layer spoke).

    For a known author the classifier and Akismet only advise (`layers.for_known_author`): their
    spam holds, their held is noted in the rule's reason but does not hold."""
    if layers.is_trusted(comment):
        return layers.Verdict(APPROVED, "moderation", "comment by the site's author or staff")
    rules = CommentSettings.load()
    held = waived = None
    for ask in (
        lambda: layers.form_checks(meta, rules, comment),
        lambda: layers.rules_check(comment, rules),
        lambda: layers.classifier_verdict(comment),
        lambda: layers.akismet_verdict(comment, meta),
    ):
        verdict = ask()
        if verdict is None:
            continue
        if verdict.score is not None:
            comment.spam_score = verdict.score
        softened = layers.for_known_author(verdict, comment, rules)
        if softened is None:  # a statistical layer would hold a known author: noted, not applied
            waived = waived or verdict
            continue
        if softened.outcome == SPAM:
            return softened
        if softened.outcome == HELD and held is None:
            held = softened
    if held is not None or not rule:
        return held
    decision = layers.moderation_rule(comment, rules)
    if waived is not None:
        note = f" ({waived.layer}: {waived.reason} — not held: known author)"
        decision = dataclasses.replace(decision, reason=decision.reason + note)
    return decision


def _after_commit_notify(comment: Comment) -> None:
    from .tasks import notify_post_author, notify_replied_to

    pk = comment.pk
    transaction.on_commit(lambda: notify_post_author.enqueue(pk))
    if comment.state == Comment.State.APPROVED and comment.parent_id:
        transaction.on_commit(lambda: notify_replied_to.enqueue(pk))


def comments_open(post, rules: CommentSettings | None = None) -> bool:
    """True when post takes comments: public, comment_status open, and not older than the
    site's close_after_days (0: never closes)."""
    if not post.is_public or post.comment_status != post.CommentStatus.OPEN:
        return False
    rules = rules or CommentSettings.load()
    if rules.close_after_days:
        return post.published_at >= timezone.now() - dt.timedelta(days=rules.close_after_days)
    return True


@dataclass
class NewComment:
    """What a person sent through the comment form (already validated for shape by the form)."""

    post: object
    text: str
    name: str = ""
    email: str = ""
    url: str = ""
    parent: Comment | None = None
    notify_replies: bool = False
    user: object = None
    request_meta: dict = field(default_factory=dict)


def submit_comment(new: NewComment) -> Comment:
    """Take a comment typed on the site: check the post and the reply target, refuse a double
    submission, render the Markdown subset, and place it (`place_incoming`).

    Raises CommentRefused (with a sentence for the person) when the post is closed or not public,
    or the same text was just sent; ReplyTargetGone (a CommentRefused) when the reply target is
    on another post, awaiting moderation or not published; SiteBusy (a CommentRefused) when
    the database stayed locked by another writer, with nothing stored.
    """
    try:
        return _submit_comment(new)
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        raise SiteBusy(BUSY) from exc


@transaction.atomic
def _submit_comment(new: NewComment) -> Comment:
    post = new.post
    if not comments_open(post):
        raise CommentRefused("Comments are closed on this post.")
    _check_parent(new.parent, post)
    name, email, url = new.name, new.email, new.url
    user = new.user if getattr(new.user, "is_authenticated", False) else None
    if user is not None:
        name = name or user.public_name
        email = email or user.email
        url = url or user.website
    _refuse_duplicate(post, new.text, email, new.request_meta.get("ip"))
    comment = Comment(
        post=post,
        parent=new.parent,
        user=user,
        author_name=name,
        author_email=email,
        author_url=url,
        raw_content=new.text,
        content=render_comment_markdown(new.text),
        notify_replies=new.notify_replies and bool(email),
    )
    return place_incoming(comment, request_meta=new.request_meta)


def _check_parent(parent: Comment | None, post) -> None:
    """Raise ReplyTargetGone unless parent (if any) is an approved comment on post; a pending
    parent (say the person's own comment, still shown to them) is said to await moderation."""
    if parent is None or (parent.post_id == post.pk and parent.state == Comment.State.APPROVED):
        return
    if parent.post_id == post.pk and parent.state == Comment.State.PENDING:
        raise ReplyTargetGone(
            "The comment you are replying to is awaiting moderation, so it cannot be answered yet."
        )
    raise ReplyTargetGone("The comment you are replying to is not on this post any more.")


def _refuse_duplicate(post, text: str, email: str, ip: str | None) -> None:
    recent = Comment.objects.filter(
        post=post, raw_content=text, created_at__gte=timezone.now() - DUPLICATE_WINDOW
    )
    if email:
        recent = recent.filter(author_email__iexact=email)
    elif ip:
        recent = recent.filter(author_ip=ip)
    if recent.exists():
        raise CommentRefused("You already sent this comment; it was received once.")


# --- moderation ---------------------------------------------------------------------------------

ACTIONS = {
    "approve": (Comment.State.APPROVED, "approved"),
    "unapprove": (Comment.State.PENDING, "sent back to moderation"),
    "spam": (Comment.State.SPAM, "marked spam"),
    "not_spam": (Comment.State.APPROVED, "marked not spam"),
    "trash": (Comment.State.TRASH, "moved to trash"),
    "restore": (Comment.State.PENDING, "restored from trash"),
}


@transaction.atomic
def moderate(comment: Comment, action: str, *, by, retrain: bool = True) -> bool:
    """Apply a moderator's action (a key of ACTIONS) to comment; return False when the comment
    is already in that state (nothing to do). The moderator's decision (who, what, when) is
    recorded beside the filter's, which is kept (`Comment.moderate_to`).

    Marking spam or not spam enqueues retraining of the classifier (unless retrain=False, for a
    caller that enqueues it once for many) and, with Akismet on, a report to Akismet; approving a
    reply enqueues mail to the comment it answers. Raises KeyError for an unknown action.
    """
    state, verb = ACTIONS[action]
    return _move(comment, state, by=by, action=verb, retrain=retrain)


def _move(comment: Comment, state: str, *, by, action: str, retrain: bool = True) -> bool:
    """A moderator's move of comment to state, with its side effects (see moderate)."""
    if comment.state == state:
        return False
    teaches = teaches_classifier(comment.state, state)
    comment.moderate_to(state, by=str(by), action=action)
    from .tasks import notify_replied_to, report_to_akismet, request_retrain

    pk, is_spam = comment.pk, state == Comment.State.SPAM
    if teaches and retrain:
        transaction.on_commit(request_retrain)
    if teaches and layers.akismet.is_enabled():
        transaction.on_commit(lambda: report_to_akismet.enqueue(pk, is_spam))
    if state == Comment.State.APPROVED and comment.parent_id:
        transaction.on_commit(lambda: notify_replied_to.enqueue(pk))
    return True


@transaction.atomic
def undo_moderation(previous: dict[int, str], action: str, *, by) -> int:
    """Undo an action (a key of ACTIONS) as WordPress's Undo does: put each comment of previous
    (id -> its state before the action) back in that state, when it is still in the state the
    action gave it (a comment moved since is left alone). The moves back are moderator's moves
    like any other: out of spam retrains the classifier (once, after commit) and tells Akismet.
    Returns how many comments moved back. Raises KeyError for an unknown action."""
    from .tasks import request_retrain

    done, verb = ACTIONS[action]
    changed = teaches = 0
    for comment in Comment.objects.filter(pk__in=list(previous), state=done):
        old = previous[comment.pk]
        if old not in Comment.TRANSITIONS.get(comment.state, ()):
            continue
        teaches += teaches_classifier(comment.state, old)
        changed += _move(comment, old, by=by, action=f"undo of {verb}", retrain=False)
    if teaches:
        transaction.on_commit(request_retrain)
    return changed


def teaches_classifier(old: str, new: str) -> bool:
    """True when a move is a spam/ham judgement: into spam, or out of spam (except to trash)."""
    return new == Comment.State.SPAM or (old == Comment.State.SPAM and new != Comment.State.TRASH)


@transaction.atomic
def moderate_many(ids: list[int], action: str, *, by) -> int:
    """Apply action to each comment in ids; return how many changed state. The classifier is
    retrained once, after commit, when any of the moves was a spam/ham judgement."""
    from .tasks import request_retrain

    changed = teaches = 0
    for comment in Comment.objects.filter(pk__in=ids):
        teaches += teaches_classifier(comment.state, ACTIONS[action][0])
        changed += moderate(comment, action, by=by, retrain=False)
    if teaches:
        transaction.on_commit(request_retrain)
    return changed


def search_comments(comments, q: str):
    """The comments (a queryset) whose author name, email or URL, or words, contain q
    (ignoring case): WordPress's "Search Comments" on the moderation screen."""
    return comments.filter(
        Q(author_name__icontains=q)
        | Q(author_email__icontains=q)
        | Q(author_url__icontains=q)
        | Q(raw_content__icontains=q)
    )


@transaction.atomic
def edit_comment(comment: Comment, *, text: str, name: str, email: str, url: str) -> Comment:
    """Change a comment's words or author fields (a moderator's edit); re-renders the HTML
    from the words in their own format: Markdown, or HTML for an imported comment (paragraphs
    added as WordPress does, then sanitised, as the import did)."""
    comment.raw_content = text
    if comment.is_html:
        comment.content = clean_comment_html(autop(text))
    else:
        comment.content = render_comment_markdown(text)
    comment.author_name, comment.author_email, comment.author_url = name, email, url
    comment.save()
    return comment


@transaction.atomic
def reply_as_author(parent: Comment, *, text: str, user) -> Comment:
    """The moderator's reply to parent, published at once; approves parent when it waited."""
    if parent.state == Comment.State.PENDING:
        moderate(parent, "approve", by=user)
    comment = Comment(
        post=parent.post,
        parent=parent,
        user=user,
        author_name=user.public_name,
        author_email=user.email,
        author_url=user.website,
        raw_content=text,
        content=render_comment_markdown(text),
    )
    return place_incoming(comment, request_meta={})


def empty_expired(days: int | None = None) -> int:
    """Delete spam and trash whose state is older than `days` (default PLNET_SPAM_RETENTION_DAYS)
    — never sooner. Returns the number of comments deleted."""
    days = settings.PLNET.spam_retention_days if days is None else days
    deleted, _ = Comment.objects.expired(max(days, 0)).delete()
    return deleted


# --- threads ------------------------------------------------------------------------------------


@dataclass
class ThreadNode:
    """A comment in a thread with its depth (1 = top level) and replies."""

    comment: Comment
    depth: int
    replies: list[ThreadNode] = field(default_factory=list)
    awaiting: bool = False
    # the response shown apart (a pingback, trackback, like…) that this comment answers
    in_reply_to: Comment | None = None


# What a thread shows of each comment (and of a member's account, for their name): loading
# only these made a 50-comment thread ~4 ms cheaper (five datetimes and the raw text per row).
THREAD_FIELDS = (
    "post_id", "parent_id", "comment_type", "state", "author_name", "author_email",
    "author_url", "author_photo", "created_at", "content", "user__username",
    "user__display_name", "user__first_name", "user__last_name",
)  # fmt: skip


def approved_comments_prefetch() -> Prefetch:
    """For a post page's queryset: every approved comment and response of the post, oldest
    first, into `post.approved_comments`, so that the thread, its count and the responses
    (linkbacks) read one list instead of asking three times."""
    return Prefetch(
        "comments",
        queryset=Comment.objects.approved()
        .select_related("user")
        .only(*THREAD_FIELDS, "source_url")
        .order_by("created_at", "id"),
        to_attr="approved_comments",
    )


def conversational_count(comments) -> int:
    """How many of these comments the thread shows (typed comments and Webmention replies)."""
    return sum(c.comment_type in Comment.CONVERSATIONAL for c in comments)


def thread(post, *, extra_ids: list[int] | None = None) -> list[ThreadNode]:
    """The approved comments of post as a tree, nested at most PLNET_COMMENT_THREAD_DEPTH deep
    (a reply to a comment at the last level is shown beside it, as WordPress does). A reply whose
    parent is not shown is shown at the top level.

    `extra_ids` names pending or spam comments to show too (the visitor's own, right after
    posting, kept in their session), marked `awaiting`. Comments carry THREAD_FIELDS only.
    Without extra_ids, a post loaded with `approved_comments_prefetch()` asks nothing more.
    """
    max_depth = max(settings.PLNET.comment_thread_depth, 1)
    shown = Q(state=Comment.State.APPROVED)
    if extra_ids:
        # the visitor's own words stay visible to them, whatever a layer decided
        shown |= Q(pk__in=extra_ids, state__in=[Comment.State.PENDING, Comment.State.SPAM])
    loaded = getattr(post, "__dict__", {}).get("approved_comments")
    if loaded is not None and not extra_ids:
        comments = [c for c in loaded if c.comment_type in Comment.CONVERSATIONAL]
    else:
        comments = (
            Comment.objects.conversational()
            .filter(shown, post=post)
            .select_related("user")
            .only(*THREAD_FIELDS)
            .order_by("created_at", "id")
        )
    roots: list[ThreadNode] = []
    nodes: dict[int, ThreadNode] = {}
    container: dict[int, list[ThreadNode]] = {}
    for c in comments:
        node = ThreadNode(c, 1, awaiting=c.state != Comment.State.APPROVED)
        parent = nodes.get(c.parent_id)
        if parent is None:
            siblings = roots
        elif parent.depth < max_depth:
            node.depth, siblings = parent.depth + 1, parent.replies
        else:
            node.depth, siblings = parent.depth, container[parent.comment.pk]
        siblings.append(node)
        nodes[c.pk], container[c.pk] = node, siblings
    _answered_responses(roots, loaded)
    return roots


def _answered_responses(roots: list[ThreadNode], loaded: list[Comment] | None) -> None:
    """Give a top-level comment that answers an approved response shown apart from the thread
    (a WordPress import keeps replies to pingbacks, which WordPress threads) that response as
    `in_reply_to`, so the thread can say what it answers. `loaded` is the post's prefetched
    approved comments, when it has them; else one query, only when such a comment exists."""
    wanted = {node.comment.parent_id for node in roots if node.comment.parent_id}
    if not wanted:
        return
    if loaded is not None:
        candidates = [c for c in loaded if c.pk in wanted]
    else:
        candidates = (
            Comment.objects.approved().filter(pk__in=wanted).only(*THREAD_FIELDS, "source_url")
        )
    found = {c.pk: c for c in candidates if c.comment_type not in Comment.CONVERSATIONAL}
    for node in roots:
        node.in_reply_to = found.get(node.comment.parent_id)


def reply_allowed(node: ThreadNode) -> bool:
    """True when a reply to this node would nest one level deeper."""
    return node.depth < max(settings.PLNET.comment_thread_depth, 1)


# --- mail ---------------------------------------------------------------------------------------


def unsubscribe_token(email: str) -> str:
    """A signed token standing for email, for the one-click unsubscribe link."""
    return signing.dumps(email.strip().lower(), salt=UNSUBSCRIBE_SALT)


def unsubscribe_email(token: str) -> str:
    """The email an unsubscribe token stands for (nothing changed).

    Raises signing.BadSignature for a forged or damaged token.
    """
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def unsubscribe(token: str) -> int:
    """Stop reply mail to the email the token stands for; return the comments changed.

    Raises signing.BadSignature for a forged or damaged token.
    """
    email = unsubscribe_email(token)
    return Comment.objects.by_author_email(email).update(notify_replies=False)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def owner_addresses(post) -> list[str]:
    """Who is told of responses on post: its author's email; when the author has none (posts
    imported from WordPress belong to imported accounts without one), PLNET_ADMIN_EMAIL, or when
    that is empty the active staff accounts' addresses."""
    author = post.author
    if author is not None and author.email:
        return [author.email]
    if settings.PLNET.admin_email:
        return list(settings.PLNET.admin_email)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return list(dict.fromkeys(staff.order_by("pk").values_list("email", flat=True)))


def notify_post_author(comment: Comment) -> bool:
    """Mail the post's owner (see owner_addresses) about a new response — a comment, pingback or
    Webmention, published or awaiting moderation — once.

    Skips spam and trash, and never mails people their own comment (see `_written_by_owner`).
    Returns True when a mail was sent.
    """
    post = comment.post
    if comment.author_notified_at or comment.state in (Comment.State.SPAM, Comment.State.TRASH):
        return False
    if _written_by_owner(comment, post):
        return False
    own = _commenter_emails(comment)
    to = [address for address in owner_addresses(post) if address.strip().lower() not in own]
    if not to:
        return False
    waiting = comment.state == Comment.State.PENDING
    subject = f"[{settings.SITE_NAME}] {'Awaiting moderation' if waiting else 'New comment'}: "
    EmailMessage(subject + str(post)[:80], _owner_mail_body(comment, waiting), to=to).send()
    Comment.objects.filter(pk=comment.pk).update(author_notified_at=timezone.now())
    return True


def _written_by_owner(comment: Comment, post) -> bool:
    """Did the people `owner_addresses` mails write this comment themselves? True for the post's
    author's own account, and — on a post whose author has no email (an imported post, whose
    mail goes to PLNET_ADMIN_EMAIL or the staff instead) — for any staff account: the site's
    own people replying (from the thread or the moderation queue) are not told of their own
    words, as WordPress does not mail a post's author about their own comment. Same-email
    comments are left out address by address in `notify_post_author`."""
    if comment.user_id is None:
        return False
    if post.author_id is not None and comment.user_id == post.author_id:
        return True
    stand_in = post.author is None or not post.author.email
    return stand_in and comment.user.is_staff


def _commenter_emails(comment: Comment) -> set[str]:
    """The commenter's addresses, lower-cased: the one given and their account's."""
    emails = {comment.author_email or ""}
    if comment.user_id is not None:
        emails.add(comment.user.email or "")
    return {email.strip().lower() for email in emails} - {""}


def _owner_mail_body(comment: Comment, waiting: bool) -> str:
    """The owner's mail, as WordPress writes it: the words, where to see them, and links to
    moderate. The Approve / Spam / Trash links open a confirmation page with a button (a GET
    changes nothing); a signed-out owner signs in first and comes back to it."""
    if comment.comment_type == Comment.Type.COMMENT:
        opening = f"{comment.display_name} wrote on “{comment.post}”"
    else:
        kind = comment.get_comment_type_display().lower()
        opening = (
            f"{comment.display_name} sent a {kind} to “{comment.post}” from {comment.source_url}"
        )
    actions = ("approve", "spam", "trash") if waiting else ("spam", "trash")
    links = "".join(
        f"{action.capitalize()} it: "
        f"{_absolute(reverse('conversation:moderation_confirm', args=[comment.pk, action]))}\n"
        for action in actions
    )
    where = (
        f"It awaits your moderation: {_absolute(reverse('conversation:moderation_edit', args=[comment.pk]))}\n"
        f"On the post (shown there once approved): {_absolute(comment.get_absolute_url())}\n"
        if waiting
        else f"See it: {_absolute(comment.get_absolute_url())}\n"
        f"Moderate it: {_absolute(reverse('conversation:moderation_edit', args=[comment.pk]))}\n"
    )
    return (
        f"{opening}:\n\n{comment.raw_content}\n\n{where}{links}"
        f"All comments awaiting moderation: {_absolute(reverse('conversation:moderation'))}\n"
        f"Spam check: {comment.spam_layer} — {comment.spam_reason}\n"
    )


def notify_replied_to(comment: Comment) -> bool:
    """Mail the author of the comment this one answers, when they opted in, once, with a
    one-click unsubscribe link. Only for approved replies; never to the reply's own author."""
    parent = comment.parent
    if (
        comment.replies_notified_at
        or comment.state != Comment.State.APPROVED
        or parent is None
        or not parent.notify_replies
        or not parent.author_email
        or parent.author_email.lower() == (comment.author_email or "").lower()
    ):
        return False
    link = _absolute(
        reverse("conversation:unsubscribe", args=[unsubscribe_token(parent.author_email)])
    )
    body = (
        f"{comment.display_name} replied to your comment on “{comment.post}”:\n\n"
        f"{comment.raw_content}\n\nRead it: {_absolute(comment.get_absolute_url())}\n\n"
        f"Stop these mails: {link}\n"
    )
    message = EmailMessage(
        f"[{settings.SITE_NAME}] New reply to your comment",
        body,
        to=[parent.author_email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.send()
    Comment.objects.filter(pk=comment.pk).update(replies_notified_at=timezone.now())
    return True
