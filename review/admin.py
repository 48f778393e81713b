from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaign.audit import audit
from review.models import (
    AnnotatorPause,
    AnnotatorQualification,
    ReviewDecisionLog,
    ScreeningAttempt,
    ScreeningExtraTry,
    ScreeningItem,
)
from review.screening import screening_grant_try


@admin.register(ScreeningItem)
class ScreeningItemAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "description",
        "expected_relevance",
        "expected_caption_fit",
        "expected_quality_ok",
        "is_active",
        "use_as_gold",
    ]
    list_filter = ["is_active", "use_as_gold", "countries"]
    search_fields = ["description", "explanation"]
    filter_horizontal = ["countries"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            action="screening_item.change" if change else "screening_item.add",
            target=obj,
            details={"fields": list(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit(actor=request.user, action="screening_item.delete", target=obj, details={"pk": obj.pk})
        super().delete_model(request, obj)


@admin.register(ScreeningAttempt)
class ScreeningAttemptAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "country_codes", "started_at", "submitted_at", "score", "passed"]
    list_filter = ["passed"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "country_codes", "started_at", "submitted_at", "score", "passed"]
    actions = ["grant_another_try"]

    @admin.action(description=_("Grant the selected contributors another try"))
    def grant_another_try(self, request, queryset):
        users = set(queryset.values_list("user_id", flat=True))
        for user_id in users:
            screening_grant_try(
                organizer=request.user, user_id=user_id, reason=str(_("Granted from the admin."))
            )
        n = len(users)
        message = ngettext(
            "%(n)d contributor can take the test again.", "%(n)d contributors can take the test again.", n
        )
        self.message_user(request, message % {"n": n}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(ScreeningExtraTry)
class ScreeningExtraTryAdmin(admin.ModelAdmin):
    """Granting a try here goes through the service, so it is recorded in the decision log."""

    list_display = ["user", "granted_by", "reason", "created_at"]
    search_fields = ["user__email"]
    fields = ["user", "reason"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        grant = screening_grant_try(organizer=request.user, user_id=obj.user_id, reason=obj.reason)
        obj.pk = grant.pk

    def has_change_permission(self, request, obj=None):
        return obj is None


@admin.register(AnnotatorQualification)
class AnnotatorQualificationAdmin(admin.ModelAdmin):
    list_display = ["user", "country", "granted_at"]
    list_filter = ["country"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "attempt"]


@admin.register(AnnotatorPause)
class AnnotatorPauseAdmin(admin.ModelAdmin):
    list_display = ["user", "paused_at", "gold_accuracy", "reinstated_at", "reinstated_by"]
    readonly_fields = [f.name for f in AnnotatorPause._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReviewDecisionLog)
class ReviewDecisionLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "item", "subject_user", "reason"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in ReviewDecisionLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
