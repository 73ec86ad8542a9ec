"""Template tags of the reader's navigation: the member's unread total beside "River"."""

from __future__ import annotations

from django import template

from plnet.reader.unread import unread_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_total(context) -> int:
    """The member's unread entries in all: the view's `unread_total` when it counted them
    already (the river does), else taken here (two queries when the counts are cached)."""
    if context.get("unread_total") is not None:
        return context["unread_total"]
    user = context["request"].user
    return unread_counts(user).total if user.is_authenticated else 0
