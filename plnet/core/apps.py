"""App configuration for plnet.core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "plnet.core"
    label = "core"
    verbose_name = "Core"
