"""Template helpers for post listings.

`entry_key` names everything an entry of a listing shows, so the rendered entry can be cached
under it (`{% cache %}`): when any shown value changes (title, summary, date, author's name,
category names and paths, tags, comment count, the time zone dates are shown in) the key
changes with it, so a cached entry is never stale and needs no invalidation.
"""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def entry_key(post) -> str:
    """A string made of every value `_entry_summary.html` shows for this post."""
    author = post.author
    parts = [
        post.pk, post.post_type, post.slug, post.published_at, timezone.get_current_timezone_name(),
        post.sticky, post.title, post.summary, post.is_protected,
        getattr(post, "approved_comment_count", None),
        author and (author.pk, author.username, author.public_name),
        [(c.pk, c.name, c.path) for c in post.category_list],
        [(t.name, t.slug) for t in post.tag_list],
    ]  # fmt: skip
    return repr(parts)
