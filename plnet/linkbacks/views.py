"""Linkback endpoints and pages. Views are thin: parse the request, call one service, answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from plnet.core.clientip import client_ip
from plnet.protocols.pingback import build_fault

from . import services
from .models import OutgoingLinkback, ReceivedLinkback

MAX_XMLRPC_BYTES = 100_000
_STATUS_SIGNER = signing.Signer(salt="plnet.linkbacks.webmention-status")


def _plain(status: int, text: str, **headers) -> HttpResponse:
    return HttpResponse(
        text, status=status, content_type="text/plain; charset=utf-8", headers=headers
    )


def _who(request) -> dict:
    return {
        "request_host": request.get_host(),
        "remote_ip": client_ip(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def webmention_endpoint(request):
    """GET: a form for people; POST: receive a Webmention (§3.2) → 201 + Location, 400, 429."""
    if request.method != "POST":
        return render(request, "linkbacks/webmention_form.html")
    if request.content_type != "application/x-www-form-urlencoded":
        return _plain(
            400,
            "invalid_content_type\n\nSend source and target as application/x-www-form-urlencoded.\n",
        )
    try:
        linkback = services.receive_webmention(
            request.POST.get("source"), request.POST.get("target"), **_who(request)
        )
    except services.LinkbackRefused as exc:
        extra = {"Retry-After": "3600"} if exc.status == 429 else {}
        return _plain(exc.status, f"{exc.error}\n\n{exc.message}\n", **extra)
    status_path = reverse("linkbacks:webmention_status", kwargs={"token": status_token(linkback)})
    if request.POST.get("via") == "form":
        return redirect(status_path)
    status_url = request.build_absolute_uri(status_path)
    text = f"Accepted. The Webmention will be verified; its status is at {status_url}\n"
    return _plain(201, text, Location=status_url)


def status_token(linkback: ReceivedLinkback) -> str:
    """The unguessable part of a Webmention's status URL (its id, signed), so that one sender
    cannot walk through the ids to read what others sent."""
    return _STATUS_SIGNER.sign(str(linkback.pk))


def webmention_status(request, token: str):
    """The verification state of one received Webmention (the URL the endpoint answered with)."""
    try:
        pk = int(_STATUS_SIGNER.unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404("No such Webmention") from None
    linkback = get_object_or_404(
        ReceivedLinkback, pk=pk, protocol=ReceivedLinkback.Protocol.WEBMENTION
    )
    return render(request, "linkbacks/webmention_status.html", {"linkback": linkback})


@csrf_exempt
def xmlrpc(request):
    """The XML-RPC server for Pingback 1.0 (pingback.ping and friends)."""
    if request.method != "POST":
        return _plain(405, "XML-RPC server accepts POST requests only.\n", Allow="POST")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_XMLRPC_BYTES:
        answer = build_fault(-32700, "Parse error: the request is too large.")
    else:
        answer = services.handle_xmlrpc(request.body, **_who(request))
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")


@login_required
def sent(request):
    """What this site's posts sent where and how each target answered (the author's own posts;
    staff see every post's)."""
    page = Paginator(_sent_by(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "linkbacks/sent.html", {"page_obj": page})


def _sent_by(user):
    """The send log rows this user may see and retry: their own posts' (staff: all)."""
    rows = OutgoingLinkback.objects.select_related("post")
    return rows if user.is_staff else rows.filter(post__author=user)


@login_required
@require_POST
def retry_sent(request, pk: int):
    """Send one logged linkback again (a finished, unsuccessful one), then back to the log."""
    row = get_object_or_404(_sent_by(request.user), pk=pk)
    if services.retry_send(row.pk) is None:
        messages.error(request, f"The send to {row.target} is not finished unsuccessfully.")
    else:
        messages.success(request, f"The send to {row.target} is queued again.")
    return redirect("linkbacks:sent")
