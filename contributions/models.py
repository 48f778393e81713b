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
    source = models.CharField(_("sent through"), max_length=16, default="web", editable=False)

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
    # The perceptual hash cut in three bands of 22, 21 and 21 bits, each indexed: two photos at most
    # 8 bits apart agree within 2 bits on at least one band, so a near-duplicate lookup probes ~700
    # index keys (multi-index hashing, contributions/hashing.py) instead of comparing every stored hash.
    phash_band0 = models.IntegerField(null=True, blank=True, editable=False)
    phash_band1 = models.IntegerField(null=True, blank=True, editable=False)
    phash_band2 = models.IntegerField(null=True, blank=True, editable=False)
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
            *[
                models.Index(
                    # phash and id in the key too: the lookup is answered from the index alone.
                    fields=[f"phash_band{band}", "phash", "id"],
                    condition=models.Q(phash__isnull=False),
                    name=f"image_phash_band{band}",
                )
                for band in range(3)
            ],
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reasons=[]),
                name="image_rejected_has_reasons",
            ),
            # The same upload (byte for byte) is accepted once, whoever sends it; a withdrawn one may
            # come again.
            models.UniqueConstraint(
                fields=["upload_sha256"],
                condition=~models.Q(upload_sha256="") & ~models.Q(status="withdrawn"),
                name="image_upload_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Image {self.pk} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        """Descriptions can change until the image is decided."""
        return self.status in (self.Status.PENDING, self.Status.IN_REVIEW)

    @property
    def can_be_withdrawn(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.IN_REVIEW)

    @property
    def display_filename(self) -> str:
        return self.original_filename or f"image-{self.pk}"

    @property
    def native_language_label(self) -> str:
        return f"{self.native_language_name} ({self.native_language_code})"
