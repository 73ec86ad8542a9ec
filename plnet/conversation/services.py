"""The verbs of conversation: placing a new comment through the spam layers and moderation,
moderating, threading, notifying, and emptying old spam and trash.

Side effects (mail, retraining, reports to Akismet) are enqueued as tasks after the transaction
commits; the functions here only decide and write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from plnet.core.html import render_comment_markdown
from plnet.protocols.spam import APPROVED, HELD, SPAM

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


# --- placing new comments ---------------------------------------------------------------------


@transaction.atomic
def place_incoming(comment: Comment, *, request_meta: dict | None = None) -> Comment:
    """Decide the state of a new, unsaved comment (typed here, or received as a linkback) and save it.

    Every incoming response goes through this one function, so the moderation rules and spam layers
    apply to Webmentions and pingbacks as to comments. `request_meta` carries what the request knew,
    all optional: "ip", "user_agent", "referrer", "honeypot" (the hidden field's value),
    "honeypot_field" (its name), "form_seconds" (seconds from page load to submit).
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


def _verdict(comment: Comment, meta: dict) -> layers.Verdict:
    if layers.is_trusted(comment):
        return layers.Verdict(APPROVED, "moderation", "comment by the site's author or staff")
    rules = CommentSettings.load()
    held = None
    for ask in (
        lambda: layers.form_checks(meta, rules),
        lambda: layers.rules_check(comment, rules),
        lambda: layers.classifier_verdict(comment),
        lambda: layers.akismet_verdict(comment, meta),
    ):
        verdict = ask()
        if verdict is None:
            continue
        if verdict.score is not None:
            comment.spam_score = verdict.score
        if verdict.outcome == SPAM:
            return verdict
        if verdict.outcome == HELD and held is None:
            held = verdict
    if held is not None:
        return held
    return layers.moderation_rule(comment, rules)


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


@transaction.atomic
def submit_comment(new: NewComment) -> Comment:
    """Take a comment typed on the site: check the post and the reply target, refuse a double
    submission, render the Markdown subset, and place it (`place_incoming`).

    Raises CommentRefused (with a sentence for the person) when the post is closed or not public,
    the reply target is on another post or not published, or the same text was just sent.
    """
    post = new.post
    if not comments_open(post):
        raise CommentRefused("Comments are closed on this post.")
    if new.parent is not None and (
        new.parent.post_id != post.pk or new.parent.state != Comment.State.APPROVED
    ):
        raise CommentRefused("The comment you are replying to is not on this post any more.")
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
    is already in that state (nothing to do).

    Marking spam or not spam enqueues retraining of the classifier (unless retrain=False, for a
    caller that enqueues it once for many) and, with Akismet on, a report to Akismet; approving a
    reply enqueues mail to the comment it answers. Raises KeyError for an unknown action.
    """
    state, verb = ACTIONS[action]
    if comment.state == state:
        return False
    teaches = teaches_classifier(comment.state, state)
    comment.move_to(state, layer="moderator", reason=f"{verb} by {by}")
    from .tasks import notify_replied_to, report_to_akismet, retrain_spam_filter

    pk, is_spam = comment.pk, state == Comment.State.SPAM
    if teaches and retrain:
        transaction.on_commit(lambda: retrain_spam_filter.enqueue())
    if teaches and layers.akismet.is_enabled():
        transaction.on_commit(lambda: report_to_akismet.enqueue(pk, is_spam))
    if state == Comment.State.APPROVED and comment.parent_id:
        transaction.on_commit(lambda: notify_replied_to.enqueue(pk))
    return True


def teaches_classifier(old: str, new: str) -> bool:
    """True when a move is a spam/ham judgement: into spam, or out of spam (except to trash)."""
    return new == Comment.State.SPAM or (old == Comment.State.SPAM and new != Comment.State.TRASH)


@transaction.atomic
def moderate_many(ids: list[int], action: str, *, by) -> int:
    """Apply action to each comment in ids; return how many changed state. The classifier is
    retrained once, after commit, when any of the moves was a spam/ham judgement."""
    from .tasks import retrain_spam_filter

    changed = teaches = 0
    for comment in Comment.objects.filter(pk__in=ids):
        teaches += teaches_classifier(comment.state, ACTIONS[action][0])
        changed += moderate(comment, action, by=by, retrain=False)
    if teaches:
        transaction.on_commit(lambda: retrain_spam_filter.enqueue())
    return changed


@transaction.atomic
def edit_comment(comment: Comment, *, text: str, name: str, email: str, url: str) -> Comment:
    """Change a comment's words or author fields (a moderator's edit); re-renders the HTML."""
    comment.raw_content = text
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


def thread(post, *, extra_ids: list[int] | None = None) -> list[ThreadNode]:
    """The approved comments of post as a tree, nested at most PLNET_COMMENT_THREAD_DEPTH deep
    (a reply to a comment at the last level is shown beside it, as WordPress does). A reply whose
    parent is not shown is shown at the top level.

    `extra_ids` names pending or spam comments to show too (the visitor's own, right after
    posting, kept in their session), marked `awaiting`.
    """
    max_depth = max(settings.PLNET.comment_thread_depth, 1)
    shown = Q(state=Comment.State.APPROVED)
    if extra_ids:
        # the visitor's own words stay visible to them, whatever a layer decided
        shown |= Q(pk__in=extra_ids, state__in=[Comment.State.PENDING, Comment.State.SPAM])
    comments = Comment.objects.conversational().filter(shown, post=post).select_related("user")
    roots: list[ThreadNode] = []
    nodes: dict[int, ThreadNode] = {}
    container: dict[int, list[ThreadNode]] = {}
    for c in comments.order_by("created_at", "id"):
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
    return roots


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


def notify_post_author(comment: Comment) -> bool:
    """Mail the post's author about a new comment (published or awaiting moderation), once.

    Skips spam, comments by the author themself, and authors without email. Returns True when
    a mail was sent.
    """
    author = comment.post.author
    if (
        comment.author_notified_at
        or comment.state in (Comment.State.SPAM, Comment.State.TRASH)
        or author is None
        or not author.email
        or comment.user_id == author.pk
    ):
        return False
    waiting = comment.state == Comment.State.PENDING
    subject = f"[{settings.SITE_NAME}] {'Awaiting moderation' if waiting else 'New comment'}: "
    body = (
        f"{comment.display_name} wrote on “{comment.post}”:\n\n{comment.raw_content}\n\n"
        + (
            f"It awaits your moderation: {_absolute(reverse('conversation:moderation'))}\n"
            if waiting
            else f"See it: {_absolute(comment.get_absolute_url())}\n"
        )
        + f"Spam check: {comment.spam_layer} — {comment.spam_reason}\n"
    )
    EmailMessage(subject + str(comment.post)[:80], body, to=[author.email]).send()
    Comment.objects.filter(pk=comment.pk).update(author_notified_at=timezone.now())
    return True


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
        f"Stop these mails with one click: {link}\n"
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
