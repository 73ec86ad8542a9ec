"""Public blog URLs, feeds and the editor.

Post permalinks follow WordPress's default pretty form /YYYY/MM/DD/slug/. Order matters: fixed
prefixes (feeds, archives, category, tag, author, search, write) come before pages, whose nested
path (/about/team/) is the catch-all at the end, so a page can never shadow an archive.
"""

from django.urls import path, re_path

from . import feeds, views

app_name = "publishing"

DATE = r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})"
urlpatterns = [
    path("", views.home, name="home"),
    # feeds (RSS at WordPress's paths, Atom beside them)
    path("feed/", feeds.SiteFeed(), name="feed"),
    path("feed/atom/", feeds.SiteAtomFeed(), name="feed_atom"),
    path("comments/feed/", feeds.CommentsFeed(), name="comments_feed"),
    path("comments/feed/atom/", feeds.CommentsAtomFeed(), name="comments_feed_atom"),
    re_path(r"^category/(?P<path>.+?)/feed/$", feeds.CategoryFeed(), name="category_feed"),
    re_path(r"^category/(?P<path>.+?)/feed/atom/$", feeds.CategoryAtomFeed()),
    path("tag/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tag/<str:slug>/feed/atom/", feeds.TagAtomFeed()),
    path("author/<str:username>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("author/<str:username>/feed/atom/", feeds.AuthorAtomFeed()),
    re_path(rf"^{DATE}/(?P<slug>[^/]+)/feed/$", feeds.PostCommentsFeed(), name="post_feed"),
    re_path(rf"^{DATE}/(?P<slug>[^/]+)/feed/atom/$", feeds.PostCommentsAtomFeed()),
    # archives and posts
    re_path(r"^(?P<year>\d{4})/$", views.archive, name="year"),
    re_path(r"^(?P<year>\d{4})/(?P<month>\d{2})/$", views.archive, name="month"),
    re_path(rf"^{DATE}/$", views.archive, name="day"),
    re_path(rf"^{DATE}/(?P<slug>[^/]+)/$", views.post_detail, name="post"),
    re_path(r"^category/(?P<path>.+?)/$", views.category, name="category"),
    path("tag/<str:slug>/", views.tag, name="tag"),
    path("author/<str:username>/", views.author, name="author"),
    path("search/", views.search, name="search"),
    path("protected/<int:pk>/", views.unlock, name="unlock"),
    # the editor
    path("write/", views.write, name="write"),
    path("write/posts/", views.my_posts, name="my_posts"),
    path("write/<int:pk>/", views.write, name="edit"),
    path("write/<int:pk>/delete/", views.delete, name="delete"),
    # pages last: any other nested path
    re_path(r"^(?P<path>[^?]+?)/$", views.page_detail, name="page"),
]
