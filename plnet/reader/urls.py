"""URLs of plnet.reader, mounted at /reader/ (namespace "reader")."""

from django.urls import path

from plnet.reader import views

app_name = "reader"
urlpatterns = [
    path("", views.river_view, name="river"),
    path("entries/<int:entry_id>/", views.entry_view, name="entry"),
    path("entries/<int:entry_id>/mark/", views.entry_mark, name="entry_mark"),
    path("mark-all-read/", views.mark_all_read, name="mark_all_read"),
    path("sources/", views.sources_view, name="sources"),
    path("sources/subscribe/", views.subscribe_view, name="subscribe"),
    path("sources/<int:pk>/", views.subscription_view, name="subscription"),
    path("sources/<int:pk>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("sources/unsubscribe/undo/", views.unsubscribe_undo, name="unsubscribe_undo"),
    path("sources/<int:pk>/refresh/", views.refresh, name="refresh"),
    path("people/", views.people_view, name="people"),
    path("people/<int:pk>/", views.person_view, name="person"),
    path("folders/", views.folders_view, name="folders"),
    path("opml/import/", views.opml_import, name="opml_import"),
    path("opml/export/", views.opml_export, name="opml_export"),
    path("settings/", views.settings_view, name="settings"),
]
