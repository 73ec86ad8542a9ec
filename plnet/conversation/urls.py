"""URLs of plnet.conversation: posting comments, unsubscribing, moderation.

The per-post comment feeds (`<permalink>feed/`, `feed/atom/`) live with the other feeds in publishing.
"""

from django.urls import path

from . import views

app_name = "conversation"
urlpatterns = [
    path("comments/post/", views.post_comment, name="post_comment"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/act/", views.moderation_action, name="moderation_action"),
    path("moderation/undo/", views.moderation_undo, name="moderation_undo"),
    path("moderation/settings/", views.moderation_settings, name="moderation_settings"),
    path("moderation/<int:pk>/", views.moderation_edit, name="moderation_edit"),
    path("moderation/<int:pk>/reply/", views.moderation_reply, name="moderation_reply"),
    path("moderation/<int:pk>/<slug:action>/", views.moderation_confirm, name="moderation_confirm"),
]
