from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from campaign.errors import DomainError
from points.models import (
    Certificate,
    CoauthorshipClaim,
    LeaderboardSnapshot,
    LedgerEntry,
    MerchandiseClaim,
    PointRule,
    PointRuleChange,
    PointsSettings,
)
from points.rules import point_rule_save, points_settings_update


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PointRuleChangeInline(admin.TabularInline):
    model = PointRuleChange
    fields = ["changed_at", "changed_by", "old_points", "new_points", "old_effective_from", "effective_from"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    """A new rule is a new effective date; an existing rule's points can be corrected. Both are recorded."""

    list_display = ["task_number", "points_group", "points", "effective_from"]
    list_filter = ["task_number", "points_group"]
    inlines = [PointRuleChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return ["task_number", "points_group", "effective_from"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            saved = point_rule_save(
                rule=obj if change else None,
                task_number=obj.task_number,
                points_group=obj.points_group,
                points=obj.points,
                effective_from=obj.effective_from,
                changed_by=request.user,
            )
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.pk = saved.pk


@admin.register(PointRuleChange)
class PointRuleChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "changed_at",
        "changed_by",
        "task_number",
        "points_group",
        "old_points",
        "new_points",
        "effective_from",
    ]
    list_filter = ["task_number", "points_group"]


@admin.register(PointsSettings)
class PointsSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "multi_country_rule", "updated_at", "updated_by"]
    fields = ["multi_country_rule"]

    def has_add_permission(self, request):
        return not PointsSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = points_settings_update(multi_country_rule=obj.multi_country_rule, updated_by=request.user)
        obj.pk = saved.pk


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Append-only: read here; changes are corrections written by the recomputation."""

    list_display = [
        "created_at",
        "contributor",
        "task_number",
        "kind",
        "points",
        "source",
        "source_id",
        "reason",
    ]
    list_filter = ["kind", "task_number"]
    search_fields = ["contributor__email", "source", "=source_id"]
    list_select_related = ["contributor"]
    show_full_result_count = False


@admin.register(LeaderboardSnapshot)
class LeaderboardSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["as_of", "row_count", "corrections_written", "created_at"]
    change_list_template = "admin/points/leaderboardsnapshot/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_urls(self):
        custom = [
            path(
                "recompute/",
                self.admin_site.admin_view(self.recompute_view),
                name="points_leaderboardsnapshot_recompute",
            )
        ]
        return custom + super().get_urls()

    def recompute_view(self, request):
        from campaign.tasks import enqueue_detached
        from points.tasks import recompute_points_weekly

        if request.method != "POST":
            return redirect(reverse("admin:points_leaderboardsnapshot_changelist"))
        # Queued (or, with eager Celery, run in a background thread): the request never waits for it.
        enqueue_detached(recompute_points_weekly)
        messages.success(
            request, _("The recomputation has started; the new snapshot appears here when it is done.")
        )
        return redirect(reverse("admin:points_leaderboardsnapshot_changelist"))


@admin.register(MerchandiseClaim)
class MerchandiseClaimAdmin(admin.ModelAdmin):
    list_display = ["contributor", "tshirt_size", "points_at_claim", "created_at"]
    readonly_fields = ["points_at_claim"]
    search_fields = ["contributor__email", "recipient_name"]


@admin.register(CoauthorshipClaim)
class CoauthorshipClaimAdmin(admin.ModelAdmin):
    list_display = ["full_name", "affiliation", "orcid", "contributor", "points_at_claim"]
    readonly_fields = ["points_at_claim"]
    search_fields = ["contributor__email", "full_name"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "points", "issued_at"]
    search_fields = ["=key", "name"]
