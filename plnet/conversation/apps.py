"""App configuration for plnet.conversation."""

from django.apps import AppConfig


class ConversationConfig(AppConfig):
    name = "plnet.conversation"
    label = "conversation"
    verbose_name = "Conversation"
