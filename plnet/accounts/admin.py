"""Admin for users and their profiles."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class PlnetUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Profile",
            {"fields": ("display_name", "bio", "avatar_url", "website", "links", "wp_login")},
        ),
    )
    list_display = ("username", "display_name", "email", "is_staff")
