"""Template tags of linkbacks: the responses under a post, and the discovery <link> elements."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from plnet.conversation.models import Comment

register = template.Library()

FACES = (Comment.Type.LIKE, Comment.Type.REPOST)
LISTED = (
    Comment.Type.BOOKMARK,
    Comment.Type.MENTION,
    Comment.Type.PINGBACK,
    Comment.Type.TRACKBACK,
)


@register.simple_tag
def post_responses(post) -> dict:
    """Approved responses of post that are not in the comment thread, grouped for display:
    likes and reposts (shown as faces), and bookmarks, mentions, pingbacks and trackbacks (a list).
    """
    loaded = getattr(post, "__dict__", {}).get("approved_comments")
    if loaded is not None:  # the post page loaded them (approved_comments_prefetch)
        rows = [c for c in loaded if c.comment_type in FACES + LISTED]
    else:
        approved = Comment.objects.approved().filter(post=post)
        rows = list(approved.filter(comment_type__in=FACES + LISTED).order_by("created_at", "id"))
    return {
        "likes": [c for c in rows if c.comment_type == Comment.Type.LIKE],
        "reposts": [c for c in rows if c.comment_type == Comment.Type.REPOST],
        "listed": [c for c in rows if c.comment_type in LISTED],
        "count": len(rows),
    }


@register.simple_tag(takes_context=True)
def linkback_discovery_links(context) -> str:
    """`<link rel="webmention">` and `<link rel="pingback">` for a page's <head> (rel before
    href: WordPress's discovery regex wants that order)."""
    request = context.get("request")
    webmention, xmlrpc = reverse("linkbacks:webmention"), reverse("linkbacks:xmlrpc")
    if request is not None:
        webmention, xmlrpc = (
            request.build_absolute_uri(webmention),
            request.build_absolute_uri(xmlrpc),
        )
    return format_html(
        '<link rel="webmention" href="{}">\n<link rel="pingback" href="{}">', webmention, xmlrpc
    )


@register.filter
def http_url(value) -> str:
    """value when it is an absolute http(s) URL, else "" (keeps javascript: and the like out of
    href and src attributes)."""
    from plnet.protocols.webmention import is_http_url

    value = str(value or "")
    return value if is_http_url(value) else ""
