import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Country


def original_upload_to(submission: "ImageSubmission", filename: str) -> str:
    # Unguessable keys: nothing in the path tells who uploaded it or what it shows.
    return f"images/original/{submission.key}"


def derivative_upload_to(submission: "ImageSubmission", filename: str) -> str:
    return f"images/derived/{submission.key}/{filename}"


class ImageSubmission(models.Model):
    """Task 1: one photo with its descriptions, as the contributor submitted it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending checks")
        IN_REVIEW = "in_review", _("In review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="image_submissions"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)

    # What the contributor wrote.
    description = models.TextField(_("English description"))
    native_description = models.TextField(_("native-language description"), blank=True)
    native_language_code = models.CharField(_("native language code (ISO 639-3)"), max_length=3)
    native_language_name = models.CharField(_("native language"), max_length=64)
    countries = models.ManyToManyField(Country, related_name="image_submissions", verbose_name=_("countries"))
    location = models.CharField(_("where it was taken"), max_length=200, blank=True)
    group = models.CharField(
        _("group of related shots"),
        max_length=200,
        blank=True,
        help_text=_("Same value for shots of one subject."),
    )
    license_confirmed_at = models.DateTimeField(_("own work and CC-BY-SA 4.0 confirmed at"))

    # The files (private storage) and what the checks found.
    original = models.FileField(upload_to=original_upload_to, max_length=255, blank=True)
    thumbnail = models.FileField(upload_to=derivative_upload_to, max_length=255, blank=True)
    display = models.FileField(upload_to=derivative_upload_to, max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=32, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    upload_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    phash = models.BigIntegerField(null=True, blank=True)
    sharpness = models.FloatField(null=True, blank=True)
    blur_flagged = models.BooleanField(_("borderline blurry"), default=False)
    rejection_reasons = models.JSONField(default=list, blank=True, help_text=_("A list of {code, message}."))
    check_attempts = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["contributor", "status", "-created_at"], name="image_contributor_status"),
            models.Index(fields=["status", "created_at"], name="image_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reasons=[]),
                name="image_rejected_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"Image {self.pk} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        """Descriptions can change until the image is decided."""
        return self.status in (self.Status.PENDING, self.Status.IN_REVIEW)

    @property
    def native_language_label(self) -> str:
        return f"{self.native_language_name} ({self.native_language_code})"
