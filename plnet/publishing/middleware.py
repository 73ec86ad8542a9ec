"""Old URLs keep working: a 404 whose path (or path?query) is a known LegacyURL, or the old page
of an imported attachment, becomes a 301; `/?attachment_id=N` answers 301 to the page of the
attachment imported with WordPress ID N; the address of a deleted post answers 410 Gone."""

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
        if request.path == "/" and "attachment_id" in request.GET:
            target = self._attachment_by_id(request.GET["attachment_id"])
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in {"GET", "HEAD"}:
            target = self._lookup(request) or self._attachment_by_old_path(request)
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
    def _candidates(request) -> list[str]:
        """The stored forms an old URL may have: path?query, else the path with and without
        its trailing slash."""
        query = request.META.get("QUERY_STRING", "")
        candidates = [request.path + ("?" + query if query else "")]
        if not query:
            other = request.path[:-1] if request.path.endswith("/") else request.path + "/"
            candidates.append(other)
        return candidates

    @staticmethod
    def _attachment_by_id(raw: str) -> str | None:
        from .models import Attachment

        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            return None
        found = Attachment.objects.visible().filter(wp_post_id=int(raw)).order_by("pk").first()
        return found.get_absolute_url() if found else None

    @classmethod
    def _attachment_by_old_path(cls, request) -> str | None:
        from .models import Attachment

        if "\x00" in request.path:
            return None
        found = (
            Attachment.objects.visible()
            .filter(old_path__in=cls._candidates(request))
            .order_by("pk")
            .first()
        )
        return found.get_absolute_url() if found else None

    @classmethod
    def _lookup(cls, request) -> str | None:
        from .models import LegacyURL

        if "\x00" in request.path:  # no stored URL has one, and PostgreSQL refuses it
            return None
        candidates = cls._candidates(request)
        legacy = LegacyURL.objects.filter(path__in=candidates).select_related("post").first()
        if legacy is None or not legacy.post.is_public:
            return None
        target = legacy.post.get_absolute_url()
        # The post's own address answered 404 (another view owns the path): a 301 to the same
        # path would loop.
        return None if target == request.path else target
