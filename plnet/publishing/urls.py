"""Public blog URLs. Post permalinks follow WordPress's default pretty form /YYYY/MM/DD/slug/."""

from django.urls import path, re_path

from . import views

app_name = "publishing"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/<int:month>/<int:day>/<str:slug>/", views.post_detail, name="post_by_int"),
    re_path(
        r"^(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/(?P<slug>[^/]+)/$",
        views.post_detail,
        name="post",
    ),
    re_path(r"^category/(?P<path>.+?)/$", views.category, name="category"),
    path("author/<str:username>/", views.author, name="author"),
    re_path(r"^(?P<path>[^?]+?)/$", views.page_detail, name="page"),
]
