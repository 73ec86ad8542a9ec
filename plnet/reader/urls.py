"""URLs of plnet.reader."""

from django.urls import path  # noqa: F401

app_name = "reader"
urlpatterns: list = []
