"""Old URLs keep working: a 404 whose path (or path?query) is a known LegacyURL, or the old page
of an imported attachment, becomes a 301; `/?attachment_id=N` answers 301 to the page of the
attachment imported with WordPress ID N; the address of a deleted post, or of one in the trash
(and its old URLs), answers 410 Gone; to someone who may edit a post in the trash, the 410 page
says so and offers Restore and the Trash.
Query variables WordPress would ignore (tracking parameters, `replytocom`) are ignored too, and
`…/index.php?p=N` is read as `…/?p=N`."""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render

# WordPress's query variables that name one item on its own (plain permalinks).
WP_QUERY_VARS = ("p", "page_id", "attachment_id")


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
        if request.path in {"/", "/index.php"} and "attachment_id" in request.GET:
            target = self._attachment_by_id(request.GET["attachment_id"])
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in {"GET", "HEAD"}:
            target = self._lookup(request) or self._attachment_by_old_path(request)
            if target:
                return HttpResponsePermanentRedirect(target)
            if self._gone(request):
                return render(request, "410.html", self._gone_context(request), status=410)
        return response

    @classmethod
    def _gone_context(cls, request) -> dict:
        """What the 410 page says: for a post in the trash (`trashed`, None for one deleted for
        good), whether this visitor may edit it (then the page offers Restore and the Trash,
        `trash_url`); everyone else is told only that it is no longer available."""
        from .access import can_edit
        from .services import trash_list_url

        post = cls._trashed_post(request)
        editable = post is not None and can_edit(request.user, post)
        return {
            "trashed": post,
            "editable": editable,
            "trash_url": trash_list_url(post.post_type) if editable else "",
        }

    @classmethod
    def _trashed_post(cls, request):
        """The post in the trash whose address (or one of whose old URLs) this is, if any."""
        from .models import LegacyURL, Post

        slug = request.path.rstrip("/").rsplit("/", 1)[-1]
        for post in Post.objects.trashed().filter(slug=slug).order_by("-trashed_at", "-pk"):
            if post.get_absolute_url() == request.path:
                return post
        old = LegacyURL.objects.filter(path__in=cls._candidates(request))
        found = old.filter(post__status=Post.Status.TRASH).select_related("post").first()
        return found.post if found else None

    @classmethod
    def _gone(cls, request) -> bool:
        """A deleted (or trashed) post's address, or an old URL of a post in the trash."""
        from .models import LegacyURL, Post, Tombstone

        if "\x00" in request.path:
            return False
        if Tombstone.objects.filter(path__in=[request.path, *cls._candidates(request)]).exists():
            return True  # its address, or an old URL of a post deleted for good
        old = LegacyURL.objects.filter(path__in=cls._candidates(request))
        return old.filter(post__status=Post.Status.TRASH).exists()

    @staticmethod
    def _candidates(request) -> list[str]:
        """The stored forms an old URL may have, most exact first.

        path?query as asked; then, as WordPress ignores query variables it does not know
        (`utm_source`, `replytocom`…), path?p=N, path?page_id=N or path?attachment_id=N alone;
        with no such variable, the bare path with and without its trailing slash. A path
        ending in /index.php is read as its folder, as WordPress serves the same page there.
        """
        query = request.META.get("QUERY_STRING", "")
        paths = [request.path]
        if request.path.endswith("/index.php"):
            paths.append(request.path.removesuffix("index.php"))
        candidates = []
        for path in paths:
            candidates.append(path + ("?" + query if query else ""))
            found = [(k, request.GET[k]) for k in WP_QUERY_VARS if request.GET.get(k, "").isdigit()]
            candidates += [f"{path}?{key}={value}" for key, value in found]
            if not found:
                other = path[:-1] if path.endswith("/") else path + "/"
                candidates += [path, other]
        return list(dict.fromkeys(c for c in candidates if c.strip("/")))

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
