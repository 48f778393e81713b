from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaign.audit import audit
from campaign.models import Country, Language, Task
from campaign.services import task_schedule_changes, tasks_set_status


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "points_group"]
    list_filter = ["points_group"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "points_country"]
    search_fields = ["name", "code"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "status", "status_in_force", "opens_at", "closes_at"]
    list_editable = ["opens_at", "closes_at"]
    filter_horizontal = ["languages"]
    actions = ["open_tasks", "close_tasks"]

    def save_model(self, request, obj, form, change):
        """A change of the scheduled times is audited with the old and the new time."""
        before = Task.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            changes = task_schedule_changes(before=before, after=obj)
            if changes:
                audit(actor=request.user, action="task.schedule_change", target=obj, details=changes)
                obj._schedule_changes = changes

    def construct_change_message(self, request, form, formsets, add=False):
        """The admin's own history says from what to what, not only "Changed Closes at."."""
        changes = getattr(form.instance, "_schedule_changes", None)
        if add or not changes:
            return super().construct_change_message(request, form, formsets, add)
        return " ".join(
            _("Changed %(field)s from %(old)s to %(new)s.")
            % {
                "field": Task._meta.get_field(name).verbose_name,
                "old": change["old"] or _("(none)"),
                "new": change["new"] or _("(none)"),
            }
            for name, change in changes.items()
        )

    @admin.display(description=_("in force now"))
    def status_in_force(self, task: Task) -> str:
        return task.get_current_status_display()

    def _set_status(self, request, queryset, status: str) -> None:
        with transaction.atomic():
            changed = tasks_set_status(numbers=queryset.values_list("number", flat=True), status=status)
            action = "task.open" if status == Task.Status.OPEN else "task.close"
            for task in queryset:
                audit(actor=request.user, action=action, target=task, details={"status": status})
        label = Task.Status(status).label.lower()
        self.message_user(
            request,
            ngettext("%(count)d task is now %(status)s.", "%(count)d tasks are now %(status)s.", changed)
            % {"count": changed, "status": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Open the selected tasks now"))
    def open_tasks(self, request, queryset):
        self._set_status(request, queryset, Task.Status.OPEN)

    @admin.action(description=_("Close the selected tasks now"))
    def close_tasks(self, request, queryset):
        self._set_status(request, queryset, Task.Status.CLOSED)
