"""Admin of conversation: comments (with their spam decision), the comment settings, spam models."""

from django.contrib import admin

from . import services
from .models import Comment, CommentSettings, SpamExample, SpamModel


def _moderate(action: str):
    """An admin action that applies a moderation action (services.ACTIONS) to the selection,
    through the same service as the moderation page: retraining and Akismet reports follow."""

    def run(modeladmin, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        changed = services.moderate_many(ids, action, by=request.user)
        verb = services.ACTIONS[action][1]
        modeladmin.message_user(request, f"{changed} comment{'s' if changed != 1 else ''} {verb}.")

    run.__name__ = f"moderate_{action}"
    return run


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments, newest first, as in WordPress's list. Django's "Delete selected" is replaced by
    the moderation actions (a delete would skip trash and the spam filter's retraining); a
    comment is deleted for good only from the trash, as WordPress's "Delete Permanently"."""

    list_display = ["__str__", "state", "comment_type", "spam_layer", "spam_reason", "created_at"]
    list_filter = ["state", "comment_type", "spam_layer"]
    search_fields = ["author_name", "author_email", "raw_content", "author_ip"]
    raw_id_fields = ["post", "parent", "user"]
    readonly_fields = [
        "state", "state_changed_at", "spam_layer", "spam_reason", "spam_score",
        "moderated_by", "moderator_action", "moderated_at",
    ]  # fmt: skip
    ordering = ["-created_at", "-id"]
    actions = [
        admin.action(description="Approve")(_moderate("approve")),
        admin.action(description="Mark as spam")(_moderate("spam")),
        admin.action(description="Move to trash")(_moderate("trash")),
        "delete_from_trash",
    ]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        """Only a comment in the trash is deleted (the list's action checks each one)."""
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.state == Comment.State.TRASH)

    @admin.action(description="Delete permanently (comments in trash only)")
    def delete_from_trash(self, request, queryset):
        trash = queryset.filter(state=Comment.State.TRASH)
        kept = queryset.count() - trash.count()
        _, per_model = trash.delete()
        deleted = per_model.get(Comment._meta.label, 0)
        note = f"; {kept} not in trash kept (move them to trash first)" if kept else ""
        self.message_user(request, f"{deleted} comment{'s' if deleted != 1 else ''} deleted{note}.")


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
