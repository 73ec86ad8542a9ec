"""URLs of plnet.conversation."""

from django.urls import path  # noqa: F401

app_name = "conversation"
urlpatterns: list = []
