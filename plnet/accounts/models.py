"""Users and their public author profile (rendered as a microformats2 h-card)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


class User(AbstractUser):
    """A member of the site. Authors are users with posts; the profile fields form their h-card.

    `links` is a list of URLs (their other homes on the web, shown with rel="me").
    `wp_author_id`/`wp_login` record the WordPress author an import mapped to this user.
    """

    display_name = models.CharField(max_length=250, blank=True)
    bio = models.TextField(blank=True, help_text="A few sentences about you, in Markdown.")
    avatar_url = models.URLField(max_length=500, blank=True)
    website = models.URLField(max_length=500, blank=True)
    links = models.JSONField(default=list, blank=True)
    wp_login = models.CharField(max_length=150, blank=True, db_index=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """Display name, else full name, else username."""
        return self.display_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("publishing:author", kwargs={"username": self.username})

    @property
    def avatar_seed(self) -> str:
        """A stable hex digest for a locally generated avatar (no third-party call)."""
        return hashlib.sha256((self.email or self.username).lower().encode()).hexdigest()
