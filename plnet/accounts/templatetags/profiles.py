"""Template helpers for people: their avatar's address and their bio as sanitised HTML."""

from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from plnet.core.html import render_comment_markdown

register = template.Library()


@register.simple_tag
def avatar_url(person) -> str:
    """The person's own avatar URL, else the identicon plnet draws for them."""
    if person is None:
        return ""
    return person.avatar_url or reverse("accounts:avatar", kwargs={"username": person.username})


@register.filter
def bio_html(person) -> str:
    """The person's bio, Markdown rendered and sanitised to the small comment subset."""
    if person is None or not person.bio:
        return ""
    return _bio_html(person.bio)


@lru_cache(maxsize=256)
def _bio_html(bio: str) -> str:
    # Markdown is not rendered per request: the same bio gives the same HTML, kept by its text.
    return mark_safe(render_comment_markdown(bio))  # noqa: S308 - sanitised by nh3
