"""Top-level URLs: each app mounts its own; the blog's public pages sit at the root."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("plnet.conversation.urls")),
    path("", include("plnet.linkbacks.urls")),
    path("reader/", include("plnet.reader.urls")),
    path("api/v1/", include("plnet.reader.api_urls")),
    path("", include("plnet.publishing.urls")),
]

handler404 = "plnet.publishing.views.not_found"
