"""URLs of plnet.accounts: the profile page and generated avatars."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("avatar/<str:username>.svg", views.avatar, name="avatar"),
]
