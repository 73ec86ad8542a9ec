"""App configuration for plnet.conversation: registers the tick that empties old spam and trash."""

from django.apps import AppConfig


def _empty_expired() -> str:
    """Empty spam and trash past PLNET_SPAM_RETENTION_DAYS now and say how many went.

    One DELETE query, as cheap as the query a tick makes anyway, so the tick does it itself
    rather than enqueue a task: `plnet tick` can then say what it emptied (like WordPress's
    daily wp_scheduled_delete, which empties the trash in the cron run itself)."""
    from .services import empty_expired

    n = empty_expired()
    return f"{n} comment{'' if n == 1 else 's'} emptied (spam and trash past the retention days)"


class ConversationConfig(AppConfig):
    name = "plnet.conversation"
    label = "conversation"
    verbose_name = "Conversation"

    def ready(self):
        from plnet.core import ticks

        ticks.register("conversation.empty_expired", _empty_expired, every=3600)
