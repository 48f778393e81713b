from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaign.errors import DomainError
from organizers.forms import DatasetExportAdminForm
from organizers.models import AuditEvent, DatasetExport
from organizers.services import dataset_export_start


@admin.register(DatasetExport)
class DatasetExportAdmin(admin.ModelAdmin):
    """Start an export with the add form (it runs in a worker); follow it and download from its page."""

    form = DatasetExportAdminForm
    list_display = [
        "id",
        "created_at",
        "requested_by",
        "status",
        "progress",
        "date_from",
        "date_to",
        "page_link",
    ]
    list_filter = ["status"]
    actions = ["start_again"]
    readonly_fields = [
        "requested_by",
        "status",
        "progress",
        "prefix",
        "files",
        "counts",
        "error",
        "started_at",
        "finished_at",
        "page_link",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "date_from", "date_to", "countries", "tasks"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["date_from", "date_to", "countries", "tasks"]
        return super().get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("download page"))
    def page_link(self, export: DatasetExport) -> str:
        if not export.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("organizers:export-detail", args=[export.pk]), _("open")
        )

    def save_model(self, request, obj, form, change):
        if change:
            return  # an export's filters are fixed once it is requested
        try:
            export = dataset_export_start(
                requested_by=request.user,
                date_from=form.cleaned_data.get("date_from"),
                date_to=form.cleaned_data.get("date_to"),
                countries=form.cleaned_data.get("countries") or [],
                tasks=form.cleaned_data.get("tasks") or [],
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            raise
        # The admin logs and redirects with `obj`: make it the row the service created.
        obj.__dict__.update({k: v for k, v in export.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        return  # countries and tasks are JSON on the row, set by the service

    @admin.action(description=_("Start a new export with the same filters"))
    def start_again(self, request, queryset):
        for export in queryset:
            dataset_export_start(
                requested_by=request.user,
                date_from=export.date_from,
                date_to=export.date_to,
                countries=export.countries,
                tasks=export.tasks,
            )
        self.message_user(request, _("Export started."), messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    """Django's own record of admin changes, readable (never editable) in the admin."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change_message"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message"]
    date_hierarchy = "action_time"
    list_select_related = ["user", "content_type"]
