"""Template tags of conversation: the comment thread and form under a post, avatars, counts."""

from __future__ import annotations

from django import template

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
    return {
        "replying_to": replying_to,
        "post": post,
        "nodes": services.thread(post, extra_ids=awaiting),
        "count": comment_count(post),
        "open": services.comments_open(post),
        "form": form,
        "comment_error": context.get("comment_error") or getattr(request, "comment_error", None),
        # a password-protected post shows its comments only once its password was given
        "hidden": not context.get("unlocked", True),
        "user": user,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


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


@register.filter
def can_reply(node) -> bool:
    return services.reply_allowed(node)
