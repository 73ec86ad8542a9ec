"""App configuration for plnet.linkbacks."""

from django.apps import AppConfig


class LinkbacksConfig(AppConfig):
    name = "plnet.linkbacks"
    label = "linkbacks"
    verbose_name = "Linkbacks"
