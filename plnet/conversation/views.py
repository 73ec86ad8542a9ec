"""Views of conversation: posting a comment (POST, redirect back), unsubscribing from reply mail,
and the moderation pages. Thin: check access, parse, call a service, respond."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from plnet.core.clientip import client_ip
from plnet.core.ids import parse_id, parse_ids
from plnet.publishing.access import can_read
from plnet.publishing.models import Post
from plnet.publishing.views import UNLOCKED

from . import services
from .access import moderated_comments
from .forms import (
    HONEYPOT_FIELD,
    CommentForm,
    CommentSettingsForm,
    ModerationEditForm,
    ModerationReplyForm,
)
from .models import Comment, CommentSettings
from .templatetags.conversation_tags import SESSION_KEY

CSRF_FAILED = (
    "Your comment was not sent: the page had expired or the security token was missing. "
    "Your words are kept below; please send them again."
)


AS_NEW_COMMENT = (
    " Your words are kept below, no longer as a reply: send them to post them as a new comment."
)
PARENT_UNREADABLE = "The comment you are replying to could not be read from the form."


def _as_new_comment(request, form: CommentForm) -> CommentForm:
    """form bound again to the same words without the reply target, so sending it again posts
    a new comment instead of meeting the same refusal (the reader never retypes)."""
    data = form.data.copy()
    data["parent"] = ""
    form = CommentForm(data, user=request.user)
    form.is_valid()
    return form


def _csrf_failed(request) -> bool:
    """Run Django's CSRF check by hand, so a failure can keep the person's text on the page."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None


def _request_meta(request, form: CommentForm) -> dict:
    return {
        "ip": client_ip(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:500],
        "referrer": request.META.get("HTTP_REFERER", "")[:1000],
        "honeypot": request.POST.get(HONEYPOT_FIELD, ""),
        "honeypot_field": HONEYPOT_FIELD,
        "form_seconds": form.form_seconds(),
    }


def _refuse(request, post, form, message: str):
    """Show the post again, through publishing's own view so the page is whole, with the message
    and the form as the person filled it (the thread tag reads them from the request).

    A post the person may not read (missing, unpublished, or locked by a password they have not
    given) is not shown: a page of its own gives the message and their words."""
    if post is None or not post.is_public or not _unlocked(request, post):
        context = {
            "message": message,
            "form": form,
            "post": post if post and post.is_public else None,
        }
        return render(request, "conversation/refused.html", context, status=400)
    request.comment_form, request.comment_error = form, message
    match = resolve(post.get_absolute_url())
    response = match.func(request, *match.args, **match.kwargs)
    response.status_code = 400
    return response


def _unlocked(request, post) -> bool:
    return can_read(post, set(request.session.get(UNLOCKED, [])))


@csrf_exempt  # checked by hand below, to keep the person's words when it fails
@require_POST
def post_comment(request):
    """Take the comment form; on success redirect to the comment, else show the post again with
    the reason and the words kept.

    A reply whose target cannot take one (pending, spam, trash, deleted, another post, or a
    garbled `parent`) comes back with the words kept and the reply target cleared, saying so:
    sending again posts them as a new comment (WordPress instead drops the reader on an error
    page, and their words with it)."""
    form = CommentForm(request.POST, user=request.user)
    post_id = parse_id(request.POST.get("post"))
    post = Post.objects.filter(pk=post_id).first() if post_id else None
    if post is None:
        return _refuse(request, None, form, "This post does not exist (any more).")
    if not post.is_public:
        return _refuse(request, post, form, "This post is not published; it takes no comments.")
    if not _unlocked(request, post):
        return _refuse(request, post, form, "This post is protected: enter its password first.")
    if _csrf_failed(request):
        form.is_valid()
        return _refuse(request, post, form, CSRF_FAILED)
    if not form.is_valid():
        if "parent" in form.errors:  # a hidden field: said in words, and cleared
            form = _as_new_comment(request, form)
            return _refuse(request, post, form, PARENT_UNREADABLE + AS_NEW_COMMENT)
        return _refuse(request, post, form, "Your comment was not sent yet.")
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
        if parent is None:
            gone = "The comment you are replying to is not on this post any more."
            return _refuse(request, post, _as_new_comment(request, form), gone + AS_NEW_COMMENT)
    new = services.NewComment(
        post=post,
        text=form.cleaned_data["text"],
        name=form.cleaned_data.get("name", "").strip(),
        email=form.cleaned_data.get("email", ""),
        url=form.cleaned_data.get("url", ""),
        parent=parent,
        notify_replies=form.cleaned_data.get("notify_replies", False),
        user=request.user,
        request_meta=_request_meta(request, form),
    )
    try:
        comment = services.submit_comment(new)
    except services.SiteBusy as exc:
        response = _refuse(request, post, form, str(exc))
        response.status_code, response["Retry-After"] = 503, "5"
        return response
    except services.ReplyTargetGone as exc:
        return _refuse(request, post, _as_new_comment(request, form), str(exc) + AS_NEW_COMMENT)
    except services.CommentRefused as exc:
        return _refuse(request, post, form, str(exc))
    if comment.state != Comment.State.APPROVED:
        request.session[SESSION_KEY] = request.session.get(SESSION_KEY, [])[-19:] + [comment.pk]
        messages.info(request, "Thank you. Your comment is awaiting moderation.")
    return HttpResponseRedirect(f"{post.get_absolute_url()}#comment-{comment.pk}")


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt  # one-click unsubscribe (RFC 8058) posts without a token; the signed link is the key
def unsubscribe(request, token):
    """POST unsubscribes: the page's button, or a mail client's one-click POST (RFC 8058,
    List-Unsubscribe-Post). GET shows that button and changes nothing, nor does HEAD: mail
    scanners and link checkers open links, and must not unsubscribe anyone. A forged or cut
    link gets a page saying so (404), not the site's generic one."""
    try:
        email = services.unsubscribe_email(token)
    except signing.BadSignature:
        return render(request, "conversation/unsubscribed.html", {"invalid": True}, status=404)
    if request.method != "POST":
        return render(request, "conversation/unsubscribed.html", {"confirm": True, "email": email})
    changed = services.unsubscribe(token)
    return render(request, "conversation/unsubscribed.html", {"changed": changed})


# --- moderation ---------------------------------------------------------------------------------

STATES = [s for s, _ in Comment.State.choices]
# The button of each action (services.ACTIONS), as the queue writes it.
ACTION_LABELS = {
    "approve": "Approve",
    "unapprove": "Unapprove",
    "spam": "Spam",
    "not_spam": "Not spam",
    "trash": "Trash",
    "restore": "Restore",
}


def _comments_or_404(request):
    comments = moderated_comments(request.user)
    if comments is None:
        raise Http404("No such page")
    return comments


def signed_in(view):
    """Send a signed-out person to the sign-in page, as the rest of the site does (a link from
    the notification mail opens there, and comes back after signing in: `next` is this page,
    or the queue for a POST, whose address cannot be opened again). A signed-in person without
    the right gets the site's 404, like a missing page (see access)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            back = request.get_full_path() if request.method == "GET" else None
            return redirect_to_login(back or reverse("conversation:moderation"))
        return view(request, *args, **kwargs)

    return wrapped


UNDO_KEY = "plnet_moderation_undo"
# Actions after which the queue offers Undo (as WordPress does after Trash and Spam).
UNDOABLE = ("spam", "trash")


@signed_in
def moderation(request):
    return _queue_page(request, _comments_or_404(request))


def _queue_page(request, comments, settings_form=None):
    """The moderation queue of one state; settings_form is a refused settings form to show
    with its errors (status 400), else the saved settings."""
    state = request.GET.get("state", "pending")
    if state not in STATES:
        state = "pending"
    q = request.GET.get("q", "").strip()[:200]
    if q:
        comments = services.search_comments(comments, q)
    counts = {s: comments.filter(state=s).count() for s in STATES}
    listing = comments.filter(state=state).select_related("post", "parent").order_by("-created_at")
    page = Paginator(listing, 50).get_page(request.GET.get("page"))
    undo = request.session.pop(UNDO_KEY, None)
    return render(
        request,
        "conversation/moderation.html",
        {
            "state": state,
            "counts": counts,
            "page_obj": page,
            "settings_form": settings_form or CommentSettingsForm(instance=CommentSettings.load()),
            "states": [(s, label, counts[s]) for s, label in Comment.State.choices],
            "can_edit_settings": request.user.is_staff,
            "undo": undo,
            "q": q,
            "retention_days": settings.PLNET.spam_retention_days,
        },
        status=400 if settings_form is not None else 200,
    )


def _back_to_queue(request):
    state = request.POST.get("state", "pending")
    return redirect(
        f"{reverse('conversation:moderation')}?state={state if state in STATES else 'pending'}"
    )


def _plural(n: int) -> str:
    return f"{n} comment{'s' if n != 1 else ''}"


@signed_in
@require_POST
def moderation_action(request):
    """Apply an action to the chosen comments and say what happened (a Django message): how
    many changed, that none was chosen, or that the action is unknown. After Spam or Trash the
    queue offers Undo (see moderation_undo)."""
    comments = _comments_or_404(request)
    action = request.POST.get("action", "")
    ids = parse_ids(request.POST.getlist("ids"))
    if action not in services.ACTIONS:
        messages.error(request, "Nothing was done: choose an action (Approve, Spam, Trash…).")
        return _back_to_queue(request)
    allowed = comments.filter(pk__in=ids)
    if not allowed.exists():
        messages.error(request, "Nothing was done: no comments were selected.")
        return _back_to_queue(request)
    target, verb = services.ACTIONS[action]
    previous = dict(allowed.exclude(state=target).values_list("pk", "state"))
    changed = services.moderate_many(list(previous), action, by=request.user)
    if changed:
        messages.success(request, f"{_plural(changed)} {verb}.")
    else:
        messages.info(request, f"Nothing changed: the selected comments were already {target}.")
    if changed and action in UNDOABLE:
        request.session[UNDO_KEY] = {
            "action": action,
            "previous": [f"{pk}:{state}" for pk, state in previous.items()],
        }
    return _back_to_queue(request)


@signed_in
@require_POST
def moderation_undo(request):
    """The Undo button after Spam or Trash: the form carries the action and each comment's
    state before it ("id:state"); only comments the person moderates are put back, and only
    while they are still where the action put them (services.undo_moderation)."""
    comments = _comments_or_404(request)
    action = request.POST.get("action", "")
    previous = {}
    for pair in request.POST.getlist("previous"):
        pk, _, state = pair.partition(":")
        if parse_id(pk) is not None and state in STATES:
            previous[parse_id(pk)] = state
    allowed = set(comments.filter(pk__in=list(previous)).values_list("pk", flat=True))
    previous = {pk: state for pk, state in previous.items() if pk in allowed}
    if action not in UNDOABLE or not previous:
        messages.error(request, "Nothing to undo.")
        return _back_to_queue(request)
    changed = services.undo_moderation(previous, action, by=request.user)
    messages.success(request, f"Undone: {_plural(changed)} put back.")
    return _back_to_queue(request)


@signed_in
def moderation_edit(request, pk):
    comment = get_object_or_404(_comments_or_404(request), pk=pk)
    form = ModerationEditForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        services.edit_comment(
            comment,
            text=form.cleaned_data["raw_content"],
            name=form.cleaned_data["author_name"],
            email=form.cleaned_data["author_email"],
            url=form.cleaned_data["author_url"],
        )
        messages.success(request, "Comment saved.")
        return redirect(f"{reverse('conversation:moderation')}?state={comment.state}")
    reply_form = ModerationReplyForm()
    return render(
        request,
        "conversation/moderation_edit.html",
        {"comment": comment, "form": form, "reply_form": reply_form},
        status=400 if form.errors else 200,
    )


@signed_in
@require_POST
def moderation_reply(request, pk):
    parent = get_object_or_404(_comments_or_404(request), pk=pk)
    form = ModerationReplyForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "conversation/moderation_edit.html",
            {"comment": parent, "form": ModerationEditForm(instance=parent), "reply_form": form},
            status=400,
        )
    reply = services.reply_as_author(parent, text=form.cleaned_data["text"], user=request.user)
    messages.success(request, "Reply published.")
    return redirect(reply.get_absolute_url())


@signed_in
@require_POST
def moderation_settings(request):
    """Save the comment settings (staff only) and say so; a refused form is shown again on the
    queue page with its field errors (400), nothing saved."""
    comments = _comments_or_404(request)
    if not request.user.is_staff:
        raise Http404("No such page")
    form = CommentSettingsForm(request.POST, instance=CommentSettings.load())
    if not form.is_valid():
        messages.error(request, "Settings not saved: please correct the marked fields.")
        return _queue_page(request, comments, settings_form=form)
    form.save()
    messages.success(request, "Comment settings saved.")
    return redirect(f"{reverse('conversation:moderation')}#settings-heading")


@signed_in
@require_http_methods(["GET", "HEAD"])
def moderation_confirm(request, pk, action):
    """The page an Approve / Spam / Trash link of the notification mail opens: the comment and
    one button that POSTs the action (a GET never changes a comment: mail scanners follow
    links). 404 for an unknown action, as for a comment the person may not moderate."""
    comment = get_object_or_404(_comments_or_404(request), pk=pk)
    if action not in services.ACTIONS:
        raise Http404("No such action")
    context = {
        "comment": comment,
        "action": action,
        "label": ACTION_LABELS[action],
        "confirm_state": services.ACTIONS[action][0],
    }
    return render(request, "conversation/moderation_confirm.html", context)
