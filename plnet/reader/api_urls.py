"""URLs of the reader's JSON API, mounted at /api/v1/ (namespace "api")."""

from django.urls import path

from plnet.reader import api

app_name = "api"
urlpatterns = [
    path("sources", api.sources, name="sources"),
    path("entries", api.entries, name="entries"),
    path("entries/<int:entry_id>", api.entry, name="entry"),
]
