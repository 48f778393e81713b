"""Task 1 images in the admin: organizers find one image, look at it and take it down. Nothing here edits
what a contributor submitted; the take-down goes through contributions.removal."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_organizer
from campaign.errors import DomainError

# The bulk import's admin lives in its package; imported here so the admin's autodiscovery (which looks
# at `<app>.admin`) registers it.
from contributions.bulk import admin as bulk_admin  # noqa: F401
from contributions.models import ImageSubmission
from contributions.removal import image_submission_take_down


class TakeDownForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        help_text=_("Why the image is taken down (a takedown or personal-data request)."),
    )


@admin.register(ImageSubmission)
class ImageSubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "thumbnail_preview",
        "contributor",
        "status",
        "country_codes",
        "created_at",
        "decided_at",
    )
    list_filter = ("status", "countries")
    search_fields = ("=id", "key", "contributor__email", "description")
    list_select_related = ("contributor",)
    date_hierarchy = "created_at"
    action_form = TakeDownForm
    actions = ["take_down"]
    fields = (
        "display_preview",
        "id",
        "key",
        "contributor",
        "status",
        "source",
        "description",
        "native_description",
        "native_language_code",
        "native_language_name",
        "country_codes",
        "location",
        "group",
        "license_confirmed_at",
        "original_filename",
        "content_type",
        "file_size",
        "width",
        "height",
        "sharpness",
        "blur_flagged",
        "rejection_reasons",
        "created_at",
        "checked_at",
        "decided_at",
        "removed_at",
        "removal_reason",
        "original_link",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("countries")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # organizers must not edit what a contributor submitted

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an image leaves through the take-down, which keeps the ledger and the audit right

    def has_take_down_permission(self, request) -> bool:
        return is_organizer(request.user)

    @admin.display(description=_("countries"))
    def country_codes(self, submission: ImageSubmission) -> str:
        return ", ".join(sorted(country.code for country in submission.countries.all()))

    def _file_url(self, submission: ImageSubmission, kind: str) -> str:
        # The permission-checked file view (organizers may see every image), never a storage URL.
        return reverse("contributions:file", args=[submission.key, kind])

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, submission: ImageSubmission) -> str:
        if not submission.thumbnail.name:
            return "—"
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="max-height:64px">',
            self._file_url(submission, "thumbnail"),
        )

    @admin.display(description=_("image"))
    def display_preview(self, submission: ImageSubmission) -> str:
        if not submission.display.name:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="max-width:480px">', self._file_url(submission, "display")
        )

    @admin.display(description=_("original"))
    def original_link(self, submission: ImageSubmission) -> str:
        if not submission.original.name:
            return "—"
        return format_html('<a href="{}">{}</a>', self._file_url(submission, "original"), _("open"))

    @admin.action(
        # Translators: "take down" is a glossary term: an organizer removes an accepted image for good.
        description=_("Take down (delete the files, take back the points)"), permissions=["take_down"]
    )
    def take_down(self, request, queryset) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(request, _("Say why the image is taken down."), messages.ERROR)
            return
        removed = 0
        for submission_id in queryset.values_list("pk", flat=True):
            try:
                _submission, changed = image_submission_take_down(
                    submission_id=submission_id, actor=request.user, reason=reason
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            removed += changed
        self.message_user(request, _("Images taken down: %(n)s.") % {"n": removed}, messages.SUCCESS)
