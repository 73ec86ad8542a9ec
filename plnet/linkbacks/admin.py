"""Admin views of the linkback records (read mostly: services write them)."""

from django.contrib import admin

from .models import OutgoingLinkback, ReceivedLinkback


@admin.register(ReceivedLinkback)
class ReceivedLinkbackAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "protocol", "state", "reason", "received_at"]
    list_filter = ["protocol", "state"]
    search_fields = ["source", "target"]
    raw_id_fields = ["post", "comment"]


@admin.register(OutgoingLinkback)
class OutgoingLinkbackAdmin(admin.ModelAdmin):
    list_display = ["source", "target", "method", "status", "response_code", "attempts"]
    list_filter = ["method", "status"]
    search_fields = ["source", "target"]
    raw_id_fields = ["post"]
