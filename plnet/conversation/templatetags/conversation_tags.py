"""Template tags of conversation: the comment thread and form under a post, avatars, counts."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone

from plnet.core.ids import parse_id

from .. import services
from ..avatars import identicon_svg, seed_for
from ..forms import CommentForm, loaded_token
from ..models import Comment

register = template.Library()

SESSION_KEY = "plnet_awaiting_comments"


@register.inclusion_tag("conversation/thread.html", takes_context=True)
def comment_thread(context, post):
    """The thread of post (approved comments, plus the visitor's own waiting ones) and, when the
    post is open, the comment form — bound with what they typed after an error (given in the
    context as comment_form/comment_error, or set on the request by the posting view).
    `unlocked` in the context (publishing's post page) False hides thread and form."""
    request = context.get("request")
    awaiting = request.session.get(SESSION_KEY, []) if request is not None else []
    user = getattr(request, "user", None)
    form = context.get("comment_form") or getattr(request, "comment_form", None)
    replying_to = _reply_target(post, form, request)
    if form is None:
        initial = {"post": post.pk, "loaded": loaded_token()}
        if replying_to is not None:
            initial["parent"] = replying_to.pk
        form = CommentForm(initial=initial, user=user)
    is_open = services.comments_open(post)
    rows = thread_rows(services.thread(post, extra_ids=awaiting), is_open)
    return {
        "replying_to": replying_to,
        "post": post,
        "rows": rows,
        "rows_key": thread_key(rows, post),
        # what comment_count(post) counts, without asking again: the thread shows them all
        "count": sum(not row.node.awaiting for row in rows),
        "open": is_open,
        "form": form,
        "comment_error": context.get("comment_error") or getattr(request, "comment_error", None),
        # a password-protected post shows its comments only once its password was given
        "hidden": not context.get("unlocked", True),
        "user": user,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """One comment of a thread as thread.html writes it, in reading order: its node, whether a
    Reply link shows, and how many enclosing `<ol class="children"></li>` end after it."""

    node: services.ThreadNode
    reply: bool
    closes: range


def thread_rows(nodes: list[services.ThreadNode], is_open: bool) -> list[ThreadRow]:
    """The tree as a flat list (depth first), so the template writes it with one loop: a
    template that includes itself once per comment cost about a millisecond per comment."""
    rows: list[list] = []

    def walk(siblings):
        for node in siblings:
            reply = is_open and not node.awaiting and services.reply_allowed(node)
            rows.append([node, reply, 0])
            if node.replies:
                walk(node.replies)
                rows[-1][2] += 1  # the last of its replies closes this comment's list of them

    walk(nodes)
    return [ThreadRow(node, reply, range(closes)) for node, reply, closes in rows]


def thread_key(rows: list[ThreadRow], post) -> str:
    """Every value thread.html shows for these rows, as one string: the written thread is cached
    under it (`{% cache %}`), so a new, edited, moderated or renamed comment, a thread that
    closed, or another time zone makes a new key, never a stale page."""
    parts: list = [post.get_absolute_url(), timezone.get_current_timezone_name()]
    for row in rows:
        node, c = row.node, row.node.comment
        parts.append((
            c.pk, c.parent_id, node.depth, node.awaiting, bool(node.replies), row.reply,
            len(row.closes), c.display_name, c.link_url, c.author_email, c.author_name,
            c.created_at, c.comment_type, c.content,
            node.in_reply_to and (node.in_reply_to.pk, node.in_reply_to.author_name,
                                  node.in_reply_to.source_url, node.in_reply_to.comment_type),
        ))  # fmt: skip
    return repr(parts)


def _reply_target(post, form, request) -> Comment | None:
    """The approved comment of post being answered: from the bound form, else ?replytocom=N."""
    raw = form.data.get("parent") if form is not None else None
    if raw is None and request is not None:
        raw = request.GET.get("replytocom")
    pk = parse_id(raw)
    if pk is None:
        return None
    return Comment.objects.filter(post=post, pk=pk).approved().first()


@register.simple_tag
def avatar(comment, pixels=40):
    """An identicon for the comment's author (from the email's hash; never the email itself)."""
    return identicon_svg(
        seed_for(comment.author_email, comment.author_name), pixels=pixels, title=""
    )


@register.simple_tag
def comment_count(post) -> int:
    """The number of approved comments the thread of post shows (comments and Webmention
    replies; likes, reposts, mentions and pingbacks are responses, counted apart)."""
    return Comment.objects.filter(post=post).approved().conversational().count()
