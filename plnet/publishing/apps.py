"""App configuration for plnet.publishing: the ticks that publish scheduled posts and empty the
trash, and the search index guard."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(using="default", **kwargs):
    from .search import ensure_sqlite_index

    ensure_sqlite_index(using)


def _publish_due_tick():
    from .services import enqueue_due_posts

    enqueue_due_posts()


def _empty_trash_tick():
    from .services import delete_expired_trash

    delete_expired_trash()


class PublishingConfig(AppConfig):
    name = "plnet.publishing"
    label = "publishing"
    verbose_name = "Publishing"

    def ready(self):
        from plnet.core import ticks

        # Schema upkeep, not a side effect of saving: SQLite table rebuilds in later migrations
        # drop the FTS triggers, so put them back after every migrate.
        post_migrate.connect(_ensure_search_index, sender=self)
        ticks.register("publishing.publish_due", _publish_due_tick, every=30)
        ticks.register("publishing.empty_trash", _empty_trash_tick, every=3600)
