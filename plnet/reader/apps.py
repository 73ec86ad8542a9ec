"""App configuration for plnet.reader."""

from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "plnet.reader"
    label = "reader"
    verbose_name = "Reader"
