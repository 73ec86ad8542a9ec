"""Top-level URLs: each app mounts its own; the blog's public pages sit at the root (last, since
pages take any nested path)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from plnet.accounts.views import SignInView
from plnet.publishing.sitemaps import SITEMAPS
from plnet.publishing.views import robots_txt
from plnet.reader.api import not_found as api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("plnet.accounts.urls")),
    path("", include("plnet.conversation.urls")),
    path("", include("plnet.linkbacks.urls")),
    path("reader/", include("plnet.reader.urls")),
    path("api/v1/", include("plnet.reader.api_urls")),
    re_path(r"^api(?:/|$)", api_not_found),  # any other path under /api/: a JSON 404
    path("", include("plnet.publishing.urls")),
]

handler404 = "plnet.publishing.views.not_found"
handler500 = "plnet.core.busy.server_error"
