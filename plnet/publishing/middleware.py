"""Old URLs keep working: a 404 whose path (or path?query) is a known LegacyURL becomes a 301,
and the address of a deleted post answers 410 Gone."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render


class LegacyURLMiddleware:
    """Turn 404s for imported WordPress URLs into 301s to the new permalink.

    Only requests that would otherwise be 404 pay for the look-up; `/?p=ID` is matched with its
    query string because WordPress's plain permalinks live on the home page's path.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/" and request.GET.keys() & {"p", "page_id"}:
            target = self._lookup(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in {"GET", "HEAD"}:
            target = self._lookup(request)
            if target:
                return HttpResponsePermanentRedirect(target)
            if self._gone(request.path):
                return render(request, "410.html", status=410)
        return response

    @staticmethod
    def _gone(path: str) -> bool:
        from .models import Tombstone

        return "\x00" not in path and Tombstone.objects.filter(path=path).exists()

    @staticmethod
    def _lookup(request) -> str | None:
        from .models import LegacyURL

        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path:  # no stored URL has one, and PostgreSQL refuses it
            return None
        candidates = [request.path + ("?" + query if query else "")]
        if not query:
            other = request.path[:-1] if request.path.endswith("/") else request.path + "/"
            candidates.append(other)
        legacy = LegacyURL.objects.filter(path__in=candidates).select_related("post").first()
        if legacy is None or not legacy.post.is_public:
            return None
        target = legacy.post.get_absolute_url()
        # The post's own address answered 404 (another view owns the path): a 301 to the same
        # path would loop.
        return None if target == request.path else target
