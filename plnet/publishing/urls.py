"""Public blog URLs, feeds and the editor.

Post permalinks follow WordPress's default pretty form /YYYY/MM/DD/slug/. Order matters: fixed
prefixes (feeds, archives, category, tag, author, search, write) come before pages, whose nested
path (/about/team/) is the catch-all at the end, so a page can never shadow an archive.
"""

from django.urls import path, re_path
from django.views.decorators.http import conditional_page

from . import feeds, import_views, views


def feed(view_class):
    """A feed view answering 304 Not Modified to readers that already have it (the feed sets
    Last-Modified from its newest entry; conditional_page adds the ETag and does the compare)."""
    return conditional_page(view_class())


app_name = "publishing"

DATE = r"(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})"
# Captured parts never hold a NUL: PostgreSQL refuses it in a query (a 500 instead of a 404).
SLUG = r"[^/\x00]+"
PATH = r"[^?\x00]+?"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("page/<int:number>/", views.wordpress_page, name="wordpress_page"),
    re_path(r"^(?:.*/)?index\.php$", views.index_php),  # WordPress's: see the view
    # feeds (RSS at WordPress's paths, Atom beside them)
    path("feed/", feed(feeds.SiteFeed), name="feed"),
    path("feed/atom/", feed(feeds.SiteAtomFeed), name="feed_atom"),
    path("feed/rss2/", feed(feeds.SiteFeed)),  # WordPress's other spelling of its RSS feed
    path("comments/feed/", feed(feeds.CommentsFeed), name="comments_feed"),
    path("comments/feed/atom/", feed(feeds.CommentsAtomFeed), name="comments_feed_atom"),
    re_path(rf"^category/(?P<path>{PATH})/feed/$", feed(feeds.CategoryFeed), name="category_feed"),
    re_path(rf"^category/(?P<path>{PATH})/feed/atom/$", feed(feeds.CategoryAtomFeed)),
    re_path(rf"^category/(?P<path>{PATH})/feed/rss2/$", feed(feeds.CategoryFeed)),
    re_path(rf"^tag/(?P<slug>{SLUG})/feed/$", feed(feeds.TagFeed), name="tag_feed"),
    re_path(rf"^tag/(?P<slug>{SLUG})/feed/atom/$", feed(feeds.TagAtomFeed)),
    re_path(rf"^tag/(?P<slug>{SLUG})/feed/rss2/$", feed(feeds.TagFeed)),
    re_path(rf"^author/(?P<username>{SLUG})/feed/$", feed(feeds.AuthorFeed), name="author_feed"),
    re_path(rf"^author/(?P<username>{SLUG})/feed/atom/$", feed(feeds.AuthorAtomFeed)),
    re_path(rf"^author/(?P<username>{SLUG})/feed/rss2/$", feed(feeds.AuthorFeed)),
    re_path(rf"^{DATE}/(?P<slug>{SLUG})/feed/$", feed(feeds.PostCommentsFeed), name="post_feed"),
    re_path(rf"^{DATE}/(?P<slug>{SLUG})/feed/atom/$", feed(feeds.PostCommentsAtomFeed)),
    # archives and posts
    re_path(r"^(?P<year>\d{4})/$", views.archive, name="year"),
    re_path(r"^(?P<year>\d{4})/(?P<month>\d{2})/$", views.archive, name="month"),
    re_path(rf"^{DATE}/$", views.archive, name="day"),
    re_path(rf"^{DATE}/(?P<slug>{SLUG})/$", views.post_detail, name="post"),
    path("category/", views.categories, name="categories"),
    re_path(rf"^category/(?P<path>{PATH})/$", views.category, name="category"),
    re_path(rf"^tag/(?P<slug>{SLUG})/$", views.tag, name="tag"),
    re_path(rf"^author/(?P<username>{SLUG})/$", views.author, name="author"),
    path("search/", views.search, name="search"),
    path("protected/<int:pk>/", views.unlock, name="unlock"),
    path("attachment/<int:pk>/", views.attachment, name="attachment"),
    path("media/<path:path>", views.media, name="media"),
    path("wp-content/uploads/<path:path>", views.media, name="wp_upload"),
    # the editor
    path("write/", views.write, name="write"),
    path("write/posts/", views.my_posts, name="my_posts"),
    path("write/<int:pk>/", views.write, name="edit"),
    path("write/<int:pk>/delete/", views.delete, name="delete"),
    path("write/<int:pk>/trash/", views.trash, name="trash"),
    path("write/<int:pk>/restore/", views.restore, name="restore"),
    path("write/posts/empty-trash/", views.empty_trash, name="empty_trash"),
    path("write/page/", views.write_page, name="write_page"),
    path("write/pages/", views.my_pages, name="my_pages"),
    path(
        "write/pages/empty-trash/",
        views.empty_trash,
        {"post_type": "page"},
        name="empty_page_trash",
    ),
    # the WordPress import page (staff)
    path("write/import/", import_views.import_wordpress, name="import"),
    path("write/import/<int:pk>/", import_views.import_run, name="import_run"),
    path("write/import/<int:pk>/start/", import_views.start_import, name="import_start"),
    path("write/import/<int:pk>/cancel/", import_views.cancel_import, name="import_cancel"),
    path("write/import/<int:pk>/import-now/", import_views.import_now, name="import_now"),
    # pages last: any other nested path
    re_path(rf"^(?P<path>{PATH})/$", views.page_detail, name="page"),
]
