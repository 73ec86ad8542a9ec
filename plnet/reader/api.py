"""The reader's JSON API (/api/v1/), authenticated by per-member bearer tokens. See docs/api.md.

Every answer is JSON; errors are {"error": sentence} with 400, 401, 404 or 405 (another member's
entry answers 404, like a missing one; so does any path under /api/ that is not an endpoint).
"""

from __future__ import annotations

import json
from functools import wraps

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from plnet.core.ids import parse_id
from plnet.reader import actions
from plnet.reader.models import Subscription
from plnet.reader.river import PAGE_SIZE, BadFilter, RiverFilter, river

MAX_LIMIT = 200


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="plnet"'
    return response


def _not_allowed(*methods: str) -> JsonResponse:
    """405 with the Allow header naming the methods this address answers (RFC 9110 §15.5.6)."""
    response = _error(405, f"use {' or '.join(m for m in methods if m != 'HEAD')}")
    response["Allow"] = ", ".join(methods)
    return response


def token_required(view):
    """Authenticate `Authorization: Bearer TOKEN`; answer 401 without a valid one."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = actions.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return _error(401, "a valid API token is required (Authorization: Bearer TOKEN)")
        request.user = user
        return view(request, *args, **kwargs)

    return wrapped


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def source_json(sub: Subscription) -> dict:
    s = sub.source
    return {
        "id": s.pk,
        "subscription_id": sub.pk,
        "url": s.url,
        "site_url": s.site_url,
        "title": sub.display_title,
        "person": {"id": sub.person.pk, "name": sub.person.name} if sub.person else None,
        "folder": {"id": sub.folder.pk, "name": sub.folder.name} if sub.folder else None,
        "state": s.state,
        "last_error": s.last_error,
        "warning": s.warning,
        "last_fetched_at": _iso(s.last_fetched_at),
        "next_fetch_at": _iso(s.next_fetch_at),
    }


def entry_json(entry, read: bool, starred: bool) -> dict:
    return {
        "id": entry.pk,
        "source_id": entry.source_id,
        "guid": entry.guid,
        "url": entry.link,
        "title": entry.title,
        "author": entry.author,
        "excerpt": entry.excerpt,
        "content_html": entry.content_html,
        "enclosures": entry.enclosures,
        "published_at": _iso(entry.published_at),
        "updated_at": _iso(entry.updated_at),
        "read": read,
        "starred": starred,
    }


@token_required
def sources(request):
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET", "HEAD")
    subs = (
        Subscription.objects.filter(user=request.user)
        .select_related("source", "person", "folder")
        .order_by("source_id")
    )
    return JsonResponse({"sources": [source_json(s) for s in subs]})


@token_required
def entries(request):
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("GET", "HEAD")
    try:
        f = RiverFilter.from_params(request.GET)
    except BadFilter as exc:
        return _error(400, str(exc))
    raw_limit = request.GET.get("limit") or str(PAGE_SIZE)
    limit = parse_id(raw_limit)
    if limit is None or limit > MAX_LIMIT:
        return _error(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    page = river(request.user, f, limit=limit)
    return JsonResponse(
        {
            "entries": [entry_json(e, e.is_read, e.is_starred) for e in page.entries],
            "next": page.next_cursor or None,
        }
    )


@token_required
def entry(request, entry_id: int):
    found = actions.visible_entry(request.user, entry_id)
    if found is None:
        return _error(404, "no such entry")
    if request.method == "PATCH":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return _error(400, "the body must be JSON")
        marks = {k: body[k] for k in ("read", "starred") if isinstance(body, dict) and k in body}
        if not marks or not all(isinstance(v, bool) for v in marks.values()):
            return _error(400, 'send {"read": true|false} and/or {"starred": true|false}')
        state = actions.set_marks(request.user, found, **marks)
    elif request.method in {"GET", "HEAD"}:
        state = found.states.filter(user=request.user).first()
    else:
        return _not_allowed("GET", "HEAD", "PATCH")
    return JsonResponse(
        entry_json(found, bool(state and state.read), bool(state and state.starred))
    )


def not_found(request, *args, **kwargs):
    """JSON 404 for any path under /api/ that is no endpoint (Django's would be an HTML page).

    A path that only differs from an endpoint by a trailing slash says so.
    """
    path = request.path_info
    if path.endswith("/") and len(path) > 1:
        try:
            match = resolve(path[:-1])
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return _error(404, f"no such endpoint: did you mean {request.path[:-1]} (no slash)?")
    return _error(404, "no such endpoint (see docs/api.md)")
