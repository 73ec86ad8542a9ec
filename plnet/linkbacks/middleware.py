"""Advertise the endpoints on post pages: `Link: <…/webmention>; rel="webmention"` (Webmention
§3.1.2) and `X-Pingback: …/xmlrpc.php` (Pingback §2) on HTML responses of post and page views."""

from __future__ import annotations

from django.urls import reverse

from .services import POST_VIEWS


class LinkbackDiscoveryMiddleware:
    """Adds the Webmention Link header and the X-Pingback header to post and page responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.view_name in POST_VIEWS
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
        ):
            webmention = request.build_absolute_uri(reverse("linkbacks:webmention"))
            link = f'<{webmention}>; rel="webmention"'
            existing = response.get("Link")
            response["Link"] = f"{existing}, {link}" if existing else link
            response["X-Pingback"] = request.build_absolute_uri(reverse("linkbacks:xmlrpc"))
        return response
