"""Django admin for posts and pages, categories, attachments and old URLs.

Changes made here go through the same services as the editor (`save_post`, `save_category`), so
a post published in the admin runs the same after-commit hooks and the site's navigation follows. Comments belong to the conversation app's admin.
"""

from django.contrib import admin
from django.shortcuts import redirect

from . import services
from .access import can_import
from .forms import PostAdminForm
from .models import Attachment, Category, DeletedImport, ImportRun, LegacyURL, Post


class LegacyURLInline(admin.TabularInline):
    model = LegacyURL
    extra = 0


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ("title", "post_type", "status", "author", "published_at", "sticky")
    list_filter = ("post_type", "status", "author", "comment_status", "sticky", "categories")
    search_fields = ("title", "body", "slug", "guid")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_at"
    autocomplete_fields = ("parent",)
    filter_horizontal = ("categories",)
    readonly_fields = ("created_at", "updated_at", "guid", "wp_site", "wp_post_id")
    list_select_related = ("author",)
    inlines = [LegacyURLInline]
    fieldsets = (
        (None, {"fields": ("post_type", "title", "slug", "body", "body_format", "excerpt")}),
        ("Publishing", {"fields": ("status", "published_at", "author", "sticky", "password")}),
        ("Place", {"fields": ("categories", "tags", "parent", "menu_order")}),
        ("Discussion", {"fields": ("comment_status", "ping_status")}),
        ("Record", {"classes": ("collapse",), "fields": readonly_fields}),
    )

    actions = ["move_to_trash", "restore_from_trash"]

    def save_model(self, request, obj, form, change):
        services.save_post(obj, status=obj.status, published_at=obj.published_at)

    def delete_model(self, request, obj):
        services.delete_post(obj)

    def delete_queryset(self, request, queryset):
        for post in queryset:
            services.delete_post(post)

    @admin.action(description="Move to trash", permissions=["change"])
    def move_to_trash(self, request, queryset):
        moved = [services.trash_post(post) for post in queryset.not_trashed()]
        self.message_user(request, f"{len(moved)} moved to the trash.")

    @admin.action(description="Restore from trash", permissions=["change"])
    def restore_from_trash(self, request, queryset):
        restored = [services.restore_post(post) for post in queryset.trashed()]
        self.message_user(request, f"{len(restored)} restored from the trash.")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        services.save_category(obj)

    def delete_model(self, request, obj):
        services.delete_category(obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.delete_category(category)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "url", "mime_type", "post")
    search_fields = ("title", "url")
    raw_id_fields = ("post",)


@admin.register(LegacyURL)
class LegacyURLAdmin(admin.ModelAdmin):
    list_display = ("path", "post")
    search_fields = ("path",)
    raw_id_fields = ("post",)


@admin.register(DeletedImport)
class DeletedImportAdmin(admin.ModelAdmin):
    """Imported posts deleted here for good, which a re-import leaves out. Deleting a row here
    lets the next import of that export bring the post back."""

    list_display = ("title", "wp_post_id", "wp_site", "deleted_at")
    search_fields = ("title", "wp_site")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """WordPress imports, read only. "Add" leads to the import page (/write/import/), where a
    file is uploaded and its run followed."""

    list_display = ("file_name", "user", "state", "dry_run", "items_read", "created_at")
    list_filter = ("state", "dry_run")

    def has_add_permission(self, request):
        return can_import(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("publishing:import")
