"""Public blog pages and the editor. Views are thin: look up, check access, call a service, render.

Dates in URLs are the site's local dates (settings.TIME_ZONE), as in WordPress permalinks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import transaction
from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_POST, require_safe
from taggit.models import Tag

from plnet.conversation.services import approved_comments_prefetch, conversational_count
from plnet.core.ids import parse_id

from . import services, uploads
from .access import can_edit, can_edit_all, can_read, can_write, visible_to
from .forms import PageForm, PostForm
from .models import Attachment, Category, Post

PER_PAGE = 10
# A listing's entry shows the summary (from search_text or the excerpt), never the body: the
# two largest columns stay in the database.
LISTING_SKIPS = ("body", "content_html")
UNLOCKED = "publishing_unlocked_posts"


def _listing(queryset):
    """Published posts for a listing, newest first unless the queryset is already ordered
    (the order is always explicit, never left to Meta.ordering), with authors, categories,
    tags and approved-comment counts loaded, and without their bodies (LISTING_SKIPS)."""
    if not queryset.query.order_by:
        queryset = queryset.order_by("-published_at", "-id")
    return (
        queryset.posts()
        .published()
        .with_comment_counts()
        .select_related("author")
        .with_terms()
        .defer(*LISTING_SKIPS)
    )


def _page_of(request, queryset):
    """The page of the listing that ?page= asks for: page 1 when it is not a number, 404 past
    the last page (as WordPress answers for /page/999/)."""
    paginator = Paginator(queryset, PER_PAGE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        raise Http404("No such page") from None


def _feeds(title: str, rss: str, atom: str) -> list[dict[str, str]]:
    return [
        {"title": f"{title} (RSS)", "type": "application/rss+xml", "href": rss},
        {"title": f"{title} (Atom)", "type": "application/atom+xml", "href": atom},
    ]


def _archive_range(year: int, month: int, day: int) -> tuple[dt.datetime, dt.datetime, str]:
    """Start and end (local midnights) and label of a year, month or day archive (month and
    day 0 when not given). Raises ValueError or OverflowError for a date that does not exist
    or whose end falls past year 9999."""
    start = timezone.make_aware(dt.datetime(year, month or 1, day or 1))
    if day:
        end, label = start.date() + dt.timedelta(days=1), f"{start.day} {start:%B %Y}"
    elif month:
        end, label = dt.date(year + (month == 12), month % 12 + 1, 1), f"{start:%B %Y}"
    else:
        end, label = dt.date(year + 1, 1, 1), str(year)
    return start, timezone.make_aware(dt.datetime.combine(end, dt.time())), label


# --- reading ---------------------------------------------------------------------------------------


# WordPress's ?feed= values and the suffix they take after a feed address.
FEED_KINDS = {"rss2": "", "rss": "", "rdf": "", "feed": "", "atom": "atom/"}
COMMENT_FEEDS = {"comments-rss2": "", "comments-atom": "atom/"}


def _wordpress_query_target(query) -> str | None:
    """Where one of WordPress's plain (query-string) addresses on the home page lives here:
    feeds (?feed=rss2, ?feed=comments-rss2, ?cat=ID&feed=rss2, ?tag=slug&feed=atom) and
    archives (?cat=ID, ?tag=slug). None for the plain home page; Http404 for an address
    WordPress would not find either (an unknown feed, category id, or post id: ?p= and
    ?page_id= that name a post were redirected by LegacyURLMiddleware before coming here)."""
    if query.keys() & {"p", "page_id"}:
        raise Http404("No such post")
    feed = query.get("feed")
    if feed in COMMENT_FEEDS:
        return reverse("publishing:comments_feed") + COMMENT_FEEDS[feed]
    if feed is not None and feed not in FEED_KINDS:
        raise Http404("No such feed")
    if "cat" in query:
        term_id = parse_id(query["cat"])
        cat = Category.objects.filter(wp_term_id=term_id).first() if term_id else None
        if cat is None:
            raise Http404("No such category")
        if feed is None:
            return cat.get_absolute_url()
        return reverse("publishing:category_feed", kwargs={"path": cat.path}) + FEED_KINDS[feed]
    if query.get("tag"):
        if feed is None:
            return reverse("publishing:tag", kwargs={"slug": query["tag"]})
        return reverse("publishing:tag_feed", kwargs={"slug": query["tag"]}) + FEED_KINDS[feed]
    return None if feed is None else reverse("publishing:feed") + FEED_KINDS[feed]


def home(request):
    if "s" in request.GET:  # WordPress's search address, /?s=words
        return search(request, request.GET.get("s", ""))
    try:
        target = _wordpress_query_target(request.GET)
    except NoReverseMatch:  # ?tag= with a slash or NUL: no such tag
        raise Http404("No such tag") from None
    if target:
        return HttpResponsePermanentRedirect(target)
    posts = _listing(Post.objects.sticky_first())
    return render(request, "publishing/archive.html", {"page_obj": _page_of(request, posts)})


def wordpress_page(request, number):
    """WordPress's paged home (/page/2/) moves to ours (/?page=2), so old links keep working."""
    return HttpResponsePermanentRedirect(f"/?page={number}" if number > 1 else "/")


def post_detail(request, year, month, day, slug):
    try:
        posts = Post.objects.posts().published_on(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        raise Http404("No such date") from None
    post = (
        visible_to(request.user, posts.filter(slug=slug))
        .select_related("author")
        .with_terms()
        .prefetch_related(approved_comments_prefetch())  # thread, count, responses: one query
        .first()
    )
    if post is None:
        raise Http404("No such post")
    previous, following, number = services.place_in_story(post)
    context = {
        "post": post,
        "unlocked": can_read(post, set(request.session.get(UNLOCKED, []))),
        "post_number": number,
        "previous": previous,
        "next": following,
        "approved_comment_count": conversational_count(post.approved_comments),
    }
    return render(request, "publishing/post_detail.html", context)


def attachment(request, pk):
    """An attachment's page, as WordPress has one: title, caption, description, the image (or a
    link to the file) and a link back to the post it belongs to. Attachments of posts that are
    not public are missing."""
    found = get_object_or_404(Attachment.objects.visible().select_related("post"), pk=pk)
    return render(request, "publishing/attachment.html", {"attachment": found})


@require_safe
def media(request, path):
    """An uploaded file, streamed with its content type (found by content when uploaded),
    never sniffed as anything else. Only paths of known uploads answer; the rest are 404.
    `/wp-content/uploads/<path>` of imported posts answers the same when that path was uploaded.
    """
    found = uploads.uploaded_file(path)
    if found is None:
        raise Http404("No such file")
    file, attachment = found
    response = FileResponse(file.open("rb"), content_type=attachment.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response


def page_detail(request, path):
    path = path.strip("/")
    slug = path.rsplit("/", 1)[-1]
    pages = visible_to(request.user, Post.objects.pages().filter(slug=slug))
    for page in pages.select_related("author"):
        if page.page_path == path:
            unlocked = can_read(page, set(request.session.get(UNLOCKED, [])))
            children = Post.objects.pages().published().filter(parent=page)
            context = {"post": page, "unlocked": unlocked, "children": children}
            return render(request, "publishing/page_detail.html", context)
    raise Http404("No such page")


@require_POST
def unlock(request, pk):
    """Check a protected post's password; remember it in the session and go back to the post."""
    post = get_object_or_404(Post.objects.published(), pk=pk)
    given = request.POST.get("post_password", "")
    if post.is_protected and constant_time_compare(given, post.password):
        request.session[UNLOCKED] = sorted({*request.session.get(UNLOCKED, []), post.pk})
        return HttpResponseRedirect(post.get_absolute_url())
    # Shown on the password form itself (not among the page's messages), which the anchor brings
    # into view.
    messages.error(request, "That password is not right.", extra_tags="post-password")
    return HttpResponseRedirect(post.get_absolute_url() + "#post-password")


def category(request, path):
    cat = get_object_or_404(Category, slug=path.rstrip("/").rsplit("/", 1)[-1])
    if cat.path != path.strip("/"):
        return redirect(cat, permanent=True)
    posts = _listing(Post.objects.filter(categories__in=cat.subtree_ids()).distinct())
    base = reverse("publishing:category_feed", kwargs={"path": cat.path})
    context = {
        "page_obj": _page_of(request, posts),
        "heading": f"Category: {cat.name}",
        "description": cat.description,
        "archive_feeds": _feeds(cat.name, base, base + "atom/"),
    }
    return render(request, "publishing/archive.html", context)


def categories(request):
    """Every category with published posts, as a tree, with its number of posts."""
    tree = services.category_tree()
    return render(request, "publishing/categories.html", {"categories": tree})


def tag(request, slug):
    the_tag = get_object_or_404(Tag, slug=slug)
    posts = _listing(Post.objects.filter(tags__slug=slug).distinct())
    base = reverse("publishing:tag_feed", kwargs={"slug": slug})
    context = {
        "page_obj": _page_of(request, posts),
        "heading": f"Tag: {the_tag.name}",
        "archive_feeds": _feeds(the_tag.name, base, base + "atom/"),
    }
    return render(request, "publishing/archive.html", context)


def author(request, username):
    person = get_object_or_404(get_user_model(), username=username)
    posts = _listing(Post.objects.filter(author=person))
    if not posts.exists() and not can_write(person):
        raise Http404("No such author")
    base = reverse("publishing:author_feed", kwargs={"username": username})
    context = {
        "person": person,
        "page_obj": _page_of(request, posts),
        "archive_feeds": _feeds(person.public_name, base, base + "atom/"),
    }
    return render(request, "publishing/author.html", context)


def archive(request, year, month=None, day=None):
    try:
        start, end, label = _archive_range(int(year), int(month or 0), int(day or 0))
    except (ValueError, OverflowError):
        raise Http404("No such date") from None
    posts = _listing(Post.objects.filter(published_at__gte=start, published_at__lt=end))
    context = {"page_obj": _page_of(request, posts), "heading": f"Archive: {label}"}
    return render(request, "publishing/archive.html", context)


def search(request, query=None):
    query = (request.GET.get("q", "") if query is None else query).replace("\x00", "")
    query = query.strip()[:200]
    results = services.search_posts(query) if query else Post.objects.none()
    context = {"page_obj": _page_of(request, results), "query": query}
    return render(request, "publishing/search.html", context)


def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /write/", ""]
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def favicon(request):
    """No icon, said plainly: browsers ask for /favicon.ico on every site, and a 404 page (or
    a redirect to one) costs a render each time. Cached for a day."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def index_php(request):
    """WordPress's `…/index.php`. Naming an item (`?p=`, `?page_id=`, `?attachment_id=`) it
    answers 404 here, which LegacyURLMiddleware turns into a 301 to the item's new address, or
    a 410 when it was deleted; without Django's APPEND_SLASH 301 to `index.php/`, which only led
    to a 404. Otherwise the site's own `/index.php` is its front page (a 301 to the home page,
    keeping the query: `?s=`, `?cat=`…) and another folder's is unknown (404)."""
    named = request.GET.keys() & {"p", "page_id", "attachment_id"}
    if named or request.path != "/index.php":
        raise Http404("No such item")
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect("/" + (f"?{query}" if query else ""))


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


# --- writing ---------------------------------------------------------------------------------------


def _writer_or_404(request):
    if not can_write(request.user):
        raise Http404("No such page")


# The views of the list of posts, as WordPress shows them above its list: ?status= → (label,
# the status shown; None: every status but the trash).
LIST_VIEWS = {
    "": ("All", None),
    "published": ("Published", Post.Status.PUBLISHED),
    "draft": ("Drafts", Post.Status.DRAFT),
    "scheduled": ("Scheduled", Post.Status.SCHEDULED),
    "private": ("Private", Post.Status.PRIVATE),
    "trash": ("Trash", Post.Status.TRASH),
}


def _editable_posts(user, post_type: str = Post.PostType.POST):
    """The posts (or pages) this writer may edit: everyone's for editors, else their own."""
    posts = Post.objects.filter(post_type=post_type)
    return posts if can_edit_all(user) else posts.filter(author=user)


def _status_counts(posts) -> dict[str, int]:
    """How many of posts each list view shows (one query)."""
    by_status = dict(posts.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {key: by_status.get(status, 0) for key, (_, status) in LIST_VIEWS.items() if status}
    counts[""] = sum(n for status, n in by_status.items() if status != Post.Status.TRASH)
    return counts


# The list of posts and the list of pages: (URL name, noun) by post type.
LISTS = {
    Post.PostType.POST: ("publishing:my_posts", "post"),
    Post.PostType.PAGE: ("publishing:my_pages", "page"),
}


def _list_url(view: str | None = "", post_type: str = Post.PostType.POST) -> str:
    url = reverse(LISTS[post_type][0])
    return f"{url}?status={view}" if view in LIST_VIEWS and view else url


def _views(request, everything) -> tuple[str, object, list]:
    """The status view asked for (?status=), what it shows of everything (a queryset), and the
    tabs above the list: (key, label, count), empty views left out as WordPress does."""
    view = request.GET.get("status", "")
    view = view if view in LIST_VIEWS else ""
    status = LIST_VIEWS[view][1]
    shown = everything.filter(status=status) if status else everything.not_trashed()
    counts = _status_counts(everything)
    tabs = [
        (key, label, counts[key])
        for key, (label, _) in LIST_VIEWS.items()
        if counts[key] or key in {"", view}
    ]
    return view, shown, tabs


def _list_context(request, post_type: str) -> dict:
    return {
        "everyone": can_edit_all(request.user),  # WordPress's "All posts" for editors
        "just_trashed": _just_trashed(request, post_type),
        "trash_days": settings.PLNET.post_trash_days,
    }


@login_required
def my_posts(request):
    """The writer's posts (everyone's for editors), one status at a time with the number in
    each, the trash among them; after "Move to trash", a notice with a button to undo it."""
    _writer_or_404(request)
    view, shown, tabs = _views(request, _editable_posts(request.user))
    context = {
        **_list_context(request, Post.PostType.POST),
        "page_obj": _page_of(request, shown.select_related("author").newest_first()),
        "view": view,
        "page_query": f"status={view}" if view else "",
        "tabs": tabs,
    }
    return render(request, "publishing/my_posts.html", context)


@login_required
def my_pages(request):
    """The writer's pages (everyone's for editors) as WordPress's "All Pages": a tree, each
    page under its parent, siblings by order then title; views by status as the posts have."""
    _writer_or_404(request)
    view, shown, tabs = _views(request, _editable_posts(request.user, Post.PostType.PAGE))
    tree = services.page_tree(shown.select_related("author").defer(*LISTING_SKIPS))
    rows = [(page, "— " * depth) for page, depth in tree]  # WordPress's mark of a level
    context = {
        **_list_context(request, Post.PostType.PAGE),
        "page_obj": _page_of(request, rows),
        "view": view,
        "page_query": f"status={view}" if view else "",
        "tabs": tabs,
    }
    return render(request, "publishing/my_pages.html", context)


def _just_trashed(request, post_type: str) -> Post | None:
    """The post named by ?trashed=ID when it is (still) in the trash and this writer may
    restore it: the list offers to undo."""
    pk = parse_id(request.GET.get("trashed"))
    found = Post.objects.filter(post_type=post_type).trashed().filter(pk=pk).first() if pk else None
    return found if found and can_edit(request.user, found) else None


def _editable_or_404(request, pk) -> Post:
    """The post or page pk when this writer may edit it; else 404 (missing and forbidden
    look alike)."""
    _writer_or_404(request)
    post = get_object_or_404(Post, pk=pk)
    if not can_edit(request.user, post):
        raise Http404("No such post")
    return post


@login_required
@require_POST
def trash(request, pk):
    """Move to trash (no confirmation, as WordPress: it can be undone)."""
    post = services.trash_post(_editable_or_404(request, pk))
    return redirect(f"{_list_url('', post.post_type)}?trashed={post.pk}")


@login_required
@require_POST
def restore(request, pk):
    """Restore from the trash (also the notice's Undo), back to the view it was asked from."""
    post = _editable_or_404(request, pk)
    try:
        services.restore_post(post)
    except services.PublishingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"1 {LISTS[post.post_type][1]} restored from the Trash.")
    return redirect(_list_url(request.POST.get("view"), post.post_type))


@login_required
@require_POST
def empty_trash(request, post_type=Post.PostType.POST):
    """Delete for good every post (or page) in the trash that this writer may edit."""
    _writer_or_404(request)
    deleted = services.empty_trash(_editable_posts(request.user, post_type))
    noun = LISTS[post_type][1]
    messages.success(request, f"{deleted} {noun}{pluralize(deleted)} permanently deleted.")
    return redirect(_list_url("trash", post_type))


@login_required
def write_page(request):
    """A new page (edited afterwards at the editor's address, as posts are)."""
    return write(request, post_type=Post.PostType.PAGE)


@login_required
def write(request, pk=None, post_type=Post.PostType.POST):
    """New post or page (pk None) or edit post or page pk: save as draft, publish/schedule, or
    preview. Pages get their own form (parent and order, no categories or tags)."""
    _writer_or_404(request)
    post = _editable_or_404(request, pk) if pk else Post(author=request.user, post_type=post_type)
    if post.is_trashed:
        messages.error(request, f"“{post}” is in the Trash: restore it to edit it.")
        return redirect(_list_url("trash", post.post_type))
    form = _form_class(post)(request.POST or None, request.FILES or None, instance=post)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            # Imported posts keep their HTML body; preview it the way it will be shown.
            draft = Post(body=form.cleaned_data["body"], body_format=post.body_format)
            preview = draft.render_body()
        else:
            return _save(request, form)
    context = {"form": form, "post": post, "preview": preview}
    return render(request, "publishing/write.html", context)


def _form_class(post: Post):
    return PageForm if post.post_type == Post.PostType.PAGE else PostForm


def _save(request, form):
    data = form.cleaned_data
    post = form.save(commit=False)
    terms = "categories" in form.fields  # a page has none
    status = Post.Status.DRAFT if "save_draft" in request.POST else data["status"]
    try:
        with transaction.atomic():
            image = None
            if data.get("image"):
                image = uploads.store_image(data["image"], form.image_info)
                uploads.insert_image(post, image, data.get("image_alt") or "")
            post = services.save_post(
                post,
                status=status,
                published_at=data.get("published_at"),
                categories=list(data["categories"]) if terms else None,
                tags=list(data["tags"]) if terms else None,
            )
            if image is not None:
                uploads.attach_to(image, post)
    except services.PublishingError as exc:
        form.add_error(None, str(exc))
        return render(request, "publishing/write.html", {"form": form, "post": post})
    messages.success(request, _saved_message(post))
    return redirect("publishing:edit", pk=post.pk)


def _saved_message(post: Post) -> str:
    if post.status == Post.Status.SCHEDULED:
        when = timezone.localtime(post.published_at).strftime("%Y-%m-%d %H:%M")
        return f"Scheduled for {when} ({settings.TIME_ZONE})."
    return {
        Post.Status.PUBLISHED: "Published.",
        Post.Status.PRIVATE: "Saved as private.",
    }.get(post.status, "Draft saved.")


@login_required
def delete(request, pk):
    """Delete permanently, from the trash only (a POST from the trash's list deletes at once;
    opening the address asks first)."""
    post = _editable_or_404(request, pk)
    noun = LISTS[post.post_type][1]
    if not post.is_trashed:
        messages.error(
            request, f"Move the {noun} to the Trash first; it is deleted for good there."
        )
        return redirect("publishing:edit", pk=post.pk)
    trash_url = _list_url("trash", post.post_type)
    if request.method == "POST":
        services.delete_post(post)
        messages.success(request, f"“{post.title or 'untitled'}” permanently deleted.")
        return redirect(trash_url)
    return render(
        request, "publishing/delete.html", {"post": post, "noun": noun, "trash_url": trash_url}
    )
