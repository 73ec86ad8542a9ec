"""Public blog pages. Views are thin: look up, check access, render."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .models import Category, Post


def home(request):
    posts = Post.objects.posts().published().order_by("-sticky", "-published_at", "-id")
    page = Paginator(posts.select_related("author"), 10).get_page(request.GET.get("page"))
    return render(request, "publishing/home.html", {"page_obj": page})


def post_detail(request, year, month, day, slug):
    candidates = Post.objects.posts().published().filter(slug=slug).select_related("author")
    for post in candidates:
        when = post.get_absolute_url()
        if when == request.path:
            return render(request, "publishing/post_detail.html", {"post": post})
    raise Http404("No such post")


def page_detail(request, path):
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    for page in Post.objects.pages().published().filter(slug=slug):
        if page.page_path == path.strip("/"):
            return render(request, "publishing/page_detail.html", {"post": page})
    raise Http404("No such page")


def category(request, path):
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    cat = get_object_or_404(Category, slug=slug)
    posts = Post.objects.posts().published().filter(categories=cat)
    page = Paginator(posts, 10).get_page(request.GET.get("page"))
    return render(request, "publishing/home.html", {"page_obj": page, "heading": cat.name})


def author(request, username):
    person = get_object_or_404(get_user_model(), username=username)
    posts = Post.objects.posts().published().filter(author=person)
    page = Paginator(posts, 10).get_page(request.GET.get("page"))
    return render(
        request, "publishing/home.html", {"page_obj": page, "heading": person.public_name}
    )


def not_found(request, exception=None):
    return render(request, "404.html", status=404)
