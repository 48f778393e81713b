"""Bulk imports in the admin, read-only: organizers helping a contributor see what each row became."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contributions.models import BulkImport, BulkImportRow
from contributions.reasons import bulk_row_reason_text


class BulkImportRowInline(admin.TabularInline):
    model = BulkImportRow
    fields = ("row_number", "line_number", "file_name", "status", "submission", "reason")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    show_change_link = False

    @admin.display(description=_("reason"))
    def reason(self, row: BulkImportRow) -> str:
        return bulk_row_reason_text(row.reasons, row.legacy_reason)  # in the organizer's language


@admin.register(BulkImport)
class BulkImportAdmin(admin.ModelAdmin):
    list_display = ("id", "contributor", "archive_name", "status", "source", "total_rows", "created_at")
    list_filter = ("status", "source")
    search_fields = ("contributor__email", "archive_name", "archive_sha256")
    list_select_related = ("contributor",)
    readonly_fields = [field.name for field in BulkImport._meta.fields]
    inlines = [BulkImportRowInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
