"""URLs of plnet.linkbacks."""

from django.urls import path  # noqa: F401

app_name = "linkbacks"
urlpatterns: list = []
