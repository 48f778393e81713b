import uuid

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
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
        # Taken down by an organizer (a takedown or personal-data request): final, its files deleted.
        # Shown as "Deleted" (the audit log's "deleted", translated in every language already).
        REMOVED = "removed", capfirst(_("deleted"))

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
    # `countries` as the weekly recomputation reads them: the codes in byte order, joined by ","
    # ("" for none). Kept by the database (PostgreSQL triggers on the countries' table, migration
    # 0111): every write of `countries`, whatever makes it, rewrites it in the same statement's
    # transaction. Never written by the code; read only by the recomputation on PostgreSQL
    # (contributions.credit.accepted_images_as_rows), which then needs no per-image country lookup.
    country_codes = models.TextField(blank=True, default="", db_default="", editable=False)
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
    # The perceptual hash cut in four bands of 18, 16, 15 and 15 bits, each indexed: two photos at most
    # 8 bits apart agree within 2 bits on the first band or within 1 bit on another, so a near-duplicate
    # lookup probes 221 index keys (multi-index hashing, contributions/hashing.py) instead of comparing
    # every stored hash. Written with `phash` (contributions.pipeline), never on their own.
    phash_band0 = models.IntegerField(null=True, blank=True, editable=False)
    phash_band1 = models.IntegerField(null=True, blank=True, editable=False)
    phash_band2 = models.IntegerField(null=True, blank=True, editable=False)
    phash_band3 = models.IntegerField(null=True, blank=True, editable=False)
    sharpness = models.FloatField(null=True, blank=True)
    blur_flagged = models.BooleanField(_("borderline blurry"), default=False)
    rejection_reasons = models.JSONField(default=list, blank=True, help_text=_("A list of {code, message}."))
    check_attempts = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    # db_default: rows written by plain SQL (bulk loads, the benches) need not name it.
    removal_reason = models.TextField(_("reason for the removal"), blank=True, db_default="")

    class Meta:
        verbose_name = _("image submission")
        verbose_name_plural = _("image submissions")
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
                for band in range(4)
            ],
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reasons=[]),
                name="image_rejected_has_reasons",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="removed") | models.Q(removed_at__isnull=False),
                name="image_removed_has_time",
            ),
            # The same upload (byte for byte) is accepted once, whoever sends it; a withdrawn one may
            # come again (a removed one may not: its row keeps the hash).
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


# --- Bulk imports (a ZIP of images with the campaign's CSV) -------------------------------------------


def bulk_archive_upload_to(bulk_import: "BulkImport", filename: str) -> str:
    return f"bulk/{bulk_import.key}.zip"


class BulkImport(models.Model):
    """One upload of a ZIP (and its CSV), processed row by row in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        PROCESSING = "processing", _("Importing")
        DONE = "done", _("Finished")

    class Source(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")
        COMMAND = "command", _("Organizers' command")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_imports"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    # The archive waits in private storage until every row is processed, then it is deleted.
    archive = models.FileField(upload_to=bulk_archive_upload_to, max_length=255, blank=True)
    archive_name = models.CharField(_("archive"), max_length=255)
    archive_size = models.PositiveBigIntegerField(default=0)
    archive_sha256 = models.CharField(max_length=64)
    # Blank when the CSV came inside the archive; a corrected CSV beside the same ZIP is a new import.
    csv_sha256 = models.CharField(max_length=64, blank=True)
    csv_name = models.CharField(_("CSV"), max_length=255, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    unreferenced_files = models.JSONField(
        default=list, blank=True, help_text=_("Images in the archive that no row names.")
    )
    ignored_files = models.JSONField(default=list, blank=True, help_text=_("A list of {name, reason}."))
    license_confirmed_at = models.DateTimeField(_("own work and CC-BY-SA 4.0 confirmed at"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor", "archive_sha256", "csv_sha256"], name="bulk_import_once_per_archive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(finished_at__isnull=False),
                name="bulk_import_done_has_finished_at",
            ),
            # A ZIP posted straight to the bucket is imported once (it is deleted when that import ends).
            models.UniqueConstraint(
                fields=["archive"], condition=~models.Q(archive=""), name="bulk_import_archive_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="bulk_import_status_updated")]

    def __str__(self) -> str:
        return f"Bulk import {self.pk} ({self.archive_name})"

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.DONE


class BulkImportRow(models.Model):
    """One CSV row of a bulk import and what became of it: processed once, never twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Not imported")

    bulk_import = models.ForeignKey(BulkImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    line_number = models.PositiveIntegerField(_("line"))
    image = models.TextField(_("image"), help_text=_("As written in the CSV."))
    file_name = models.CharField(max_length=255, blank=True)
    member_name = models.TextField(blank=True, help_text=_("The path inside the archive."))
    fields = models.JSONField(default=dict, help_text=_("The submission's fields, parsed from the row."))
    status = models.CharField(_("result"), max_length=16, choices=Status.choices, default=Status.PENDING)
    submission = models.OneToOneField(
        ImageSubmission, null=True, blank=True, on_delete=models.SET_NULL, related_name="bulk_row"
    )
    reason_code = models.CharField(max_length=64, blank=True)
    # Why it was not imported, untranslated (a list of {"code", "message", "params"}, as an image's
    # rejection_reasons): shown in the reader's language by contributions.reasons.bulk_row_reason_text.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # Rows refused before `reasons`: the text as written then, in the language the import ran in.
    legacy_reason = models.TextField(_("reason as written"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bulk_import", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["bulk_import", "row_number"], name="bulk_row_once_per_import"),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(reasons=[]) | ~models.Q(legacy_reason=""),
                name="bulk_row_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(processed_at__isnull=False),
                name="bulk_row_processed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["bulk_import", "status"], name="bulk_row_import_status")]

    def __str__(self) -> str:
        return f"Row {self.row_number} of bulk import {self.bulk_import_id}"


# --- Resumable uploads (issue 17): one photo sent in small parts that survive a dropped link ---------

# The database's ceiling on a declared size: the default upload limit (contributions.checks); the
# service refuses above the configured limit (IMAGE_MAX_UPLOAD_BYTES) first, with FileTooLarge's message.
RESUMABLE_UPLOAD_MAX_BYTES = 25 * 1024 * 1024


class ResumableUpload(models.Model):
    """One photo on its way in, part by part: each part is its own stored object
    (`uploads/<id>/<number, 5 digits>`), the storage is the truth of which parts arrived, and completing
    assembles them into `images/original/<key>` for the submission of the same key."""

    class State(models.TextChoices):
        OPEN = "open", _("Uploading")
        COMPLETED = "completed", _("Completed")

    # The unguessable id of the upload, in its URLs and its parts' storage names.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resumable_uploads")
    # The storage key of the original it becomes (images/original/<key>), and of its submission.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    size = models.PositiveBigIntegerField()
    chunk_size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gt=0, size__lte=RESUMABLE_UPLOAD_MAX_BYTES),
                name="resumable_upload_size_in_range",
            ),
            models.CheckConstraint(condition=models.Q(chunk_size__gt=0), name="resumable_upload_chunk_positive"),
            models.CheckConstraint(
                condition=(models.Q(state="completed") & models.Q(completed_at__isnull=False))
                | (models.Q(state="open") & models.Q(completed_at__isnull=True)),
                name="resumable_upload_completed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["owner", "state"], name="resumable_upload_owner_state")]

    def __str__(self) -> str:
        return f"Resumable upload {self.id} ({self.state})"

    @property
    def part_count(self) -> int:
        return -(-self.size // self.chunk_size)

    def part_size(self, number: int) -> int:
        """The exact size of part `number` (1-based): the chunk size, the last one the rest."""
        if number < self.part_count:
            return self.chunk_size
        return self.size - (self.part_count - 1) * self.chunk_size

    @property
    def prefix(self) -> str:
        return f"uploads/{self.id}/"

    def part_name(self, number: int) -> str:
        return f"{self.prefix}{number:05d}"

    @property
    def original_name(self) -> str:
        return f"images/original/{self.key}"
