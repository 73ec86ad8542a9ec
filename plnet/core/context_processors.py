"""Template context shared by every page: the site's name and URL."""

from django.conf import settings


def site(request):
    """Add `site_name` and `site_url` to every template."""
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}
