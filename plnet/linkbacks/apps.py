"""App configuration for plnet.linkbacks: registers the tick that retries and verifies."""

from django.apps import AppConfig


class LinkbacksConfig(AppConfig):
    name = "plnet.linkbacks"
    label = "linkbacks"
    verbose_name = "Linkbacks"

    def ready(self) -> None:
        from plnet.core.ticks import register

        from .services import enqueue_due

        register("linkbacks.due", enqueue_due, every=60)
