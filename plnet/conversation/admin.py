"""Admin of conversation: comments (with their spam decision), the comment settings, spam models."""

from django.contrib import admin

from .models import Comment, CommentSettings, SpamExample, SpamModel


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "comment_type", "spam_layer", "spam_reason", "created_at"]
    list_filter = ["state", "comment_type", "spam_layer"]
    search_fields = ["author_name", "author_email", "raw_content", "author_ip"]
    raw_id_fields = ["post", "parent", "user"]
    readonly_fields = [
        "state", "state_changed_at", "spam_layer", "spam_reason", "spam_score",
        "moderated_by", "moderator_action", "moderated_at",
    ]  # fmt: skip


@admin.register(CommentSettings)
class CommentSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not CommentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpamModel)
class SpamModelAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "source", "n_spam", "n_ham", "t_low", "t_high"]
    exclude = ["blob"]
    readonly_fields = ["created_at", "source", "n_spam", "n_ham", "t_low", "t_high", "metrics"]


@admin.register(SpamExample)
class SpamExampleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_spam", "source", "created_at"]
    list_filter = ["is_spam", "source"]
    search_fields = ["text"]
