"""App configuration for plnet.accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plnet.accounts"
    label = "accounts"
    verbose_name = "Accounts"
