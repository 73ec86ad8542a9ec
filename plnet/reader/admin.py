"""Admin for the reader: sources with their fetch state, subscriptions, people, folders."""

from django.contrib import admin

from plnet.reader.models import ApiToken, Entry, Folder, Person, Share, Source, Subscription


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "url", "state", "last_fetched_at", "next_fetch_at", "error_count"]
    list_filter = ["state", "format"]
    search_fields = ["url", "title"]
    readonly_fields = ["etag", "last_modified", "last_status", "state_changed_at"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "published_at"]
    search_fields = ["title", "link", "guid"]
    raw_id_fields = ["source"]
    date_hierarchy = "published_at"


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "person", "folder"]
    raw_id_fields = ["source"]


admin.site.register(Person)
admin.site.register(Folder)
admin.site.register(Share)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["token_hash", "prefix"]
