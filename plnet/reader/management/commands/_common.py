"""Helpers shared by the reader's commands: finding the member named by --user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def member(username: str):
    """The user called `username`, or a CommandError naming it."""
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no user called {username!r}") from None
