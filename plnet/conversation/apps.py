"""App configuration for plnet.conversation: registers the tick that empties old spam and trash."""

from django.apps import AppConfig


def _enqueue_emptying() -> None:
    from .tasks import empty_expired_comments

    empty_expired_comments.enqueue()


class ConversationConfig(AppConfig):
    name = "plnet.conversation"
    label = "conversation"
    verbose_name = "Conversation"

    def ready(self):
        from plnet.core import ticks

        ticks.register("conversation.empty_expired", _enqueue_emptying, every=3600)
