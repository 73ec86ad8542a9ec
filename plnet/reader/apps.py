"""App configuration for plnet.reader: registers the tick that enqueues due fetches."""

from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "plnet.reader"
    label = "reader"
    verbose_name = "Reader"

    def ready(self) -> None:
        from plnet.core import ticks
        from plnet.reader.services import enqueue_due

        ticks.register("reader.fetch_due", enqueue_due, every=60)
