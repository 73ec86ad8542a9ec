"""URLs of plnet.conversation: posting comments, unsubscribing, moderation, per-post comment feeds.

Included before publishing's URLs, so `<permalink>feed/` reaches the comment feeds.
"""

from django.urls import path, re_path

from . import feeds, views

app_name = "conversation"
POST = r"^(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[^/]+)/"
urlpatterns = [
    path("comments/post/", views.post_comment, name="post_comment"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/act/", views.moderation_action, name="moderation_action"),
    path("moderation/settings/", views.moderation_settings, name="moderation_settings"),
    path("moderation/<int:pk>/", views.moderation_edit, name="moderation_edit"),
    path("moderation/<int:pk>/reply/", views.moderation_reply, name="moderation_reply"),
    re_path(POST + r"feed/$", feeds.PostCommentsFeed(), name="post_comments_rss"),
    re_path(POST + r"feed/atom/$", feeds.PostCommentsAtomFeed(), name="post_comments_atom"),
]
