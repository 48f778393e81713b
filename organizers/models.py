import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_export_prefix() -> str:
    # Unguessable: the storage key of a release says nothing and cannot be enumerated.
    return f"exports/{secrets.token_hex(16)}"


class DatasetExport(models.Model):
    """One dataset release: who asked for it, with which filters, and the files it produced."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        # A later take-down removed an image this release holds: its files are deleted and no longer
        # served; `take_downs` says which images and when. Publish a new release in its place.
        SUPERSEDED = "superseded", _("Superseded")

    # The tasks an export can hold: 1 images (with Task 2's scores), 3 translations,
    # 4 visual questions, 5 generation prompts.
    EXPORTABLE_TASKS = (1, 3, 4, 5)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="dataset_exports",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # Filters: submissions created on or after `date_from` and on or before `date_to` (dates, inclusive);
    # countries are ISO codes (empty: all); tasks are task numbers (empty: all exportable tasks).
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    tasks = models.JSONField(_("tasks"), default=list, blank=True)

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    prefix = models.CharField(max_length=64, unique=True, default=new_export_prefix, editable=False)
    files = models.JSONField(
        _("files"), default=list, blank=True, help_text=_("A list of {path, size, sha256}.")
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The take-downs that superseded this release: a list of {image_id, taken_down_at, reason}.
    take_downs = models.JSONField(_("take-downs"), default=list, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__isnull=True)
                | models.Q(date_to__isnull=True)
                | models.Q(date_from__lte=models.F("date_to")),
                name="dataset_export_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="dataset_export_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.get_status_display()})"

    @property
    def effective_tasks(self) -> list[int]:
        return sorted(self.tasks) if self.tasks else list(self.EXPORTABLE_TASKS)

    def storage_name(self, path: str) -> str:
        return f"{self.prefix}/{path}"


class ReleasedImage(models.Model):
    """One Task 1 image a ready release holds (in its images table or as the image of a visual
    question): how a take-down finds every release it must supersede."""

    export = models.ForeignKey(DatasetExport, on_delete=models.CASCADE, related_name="released_images")
    submission_id = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "submission_id"], name="released_image_once"),
        ]

    def __str__(self) -> str:
        return f"Image {self.submission_id} in export {self.export_id}"


class AuditEvent(models.Model):
    """Who changed what and when: written by `organizers.services.audit_record`, read by organizers."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A short dotted verb, e.g. "task.open", "point_rule.change", "moderation.decide".
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"
