"""App configuration for plnet.publishing."""

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "plnet.publishing"
    label = "publishing"
    verbose_name = "Publishing"
