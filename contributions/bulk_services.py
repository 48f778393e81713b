"""Bulk imports: a ZIP of images with the campaign's CSV, each row submitted through the same service
as the web form and the API (`image_submission_create`, source "bulk"), so every rule is the same.

`bulk_import_create` checks the whole upload and stores it with one row record per CSV row, or refuses
it with nothing stored. `bulk_import_process` (run by a Celery task) submits the pending rows one by
one; each row's submission and its result commit together, so a row is never processed twice, and a
stopped import resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError
from contributions import bulk
from contributions.bulk import BulkTooLarge, Member, MemberError
from contributions.models import BulkImport, BulkImportRow

logger = logging.getLogger(__name__)

IMAGE_TASK_NUMBER = 1
MAX_ROW_ATTEMPTS = 3  # a row whose image kills the worker every time is refused after this many tries
STALE_AFTER = timedelta(minutes=10)


class BulkImportExists(Conflict):
    """The same archive (with the same CSV) was uploaded before: nothing is created twice."""

    code = "bulk_already_uploaded"

    def __init__(self, earlier: BulkImport):
        super().__init__(
            _("You uploaded this archive before (import #%(id)s, %(when)s): here is that import.")
            % {"id": earlier.pk, "when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")}
        )
        self.bulk_import = earlier


def _sha256_of(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _read_csv_upload(csv_file) -> bytes:
    if csv_file.size is not None and csv_file.size > bulk.max_csv_bytes():
        raise BulkTooLarge(
            _("The CSV is larger than %(max)s MB.") % {"max": bulk.max_csv_bytes() // bulk.MB}, field="csv"
        )
    csv_file.seek(0)
    return csv_file.read(bulk.max_csv_bytes() + 1)


def _display_name(file, fallback: str) -> str:
    name = posixpath.basename((getattr(file, "name", "") or "").replace("\\", "/"))
    return (name or fallback)[:255]


def bulk_import_create(
    *,
    contributor,
    archive,
    csv_file=None,
    license_confirmed: bool,
    source: str = BulkImport.Source.WEB,
    enqueue: bool = True,
) -> BulkImport:
    """Check a bulk upload and queue it, or refuse it whole with a message saying what to fix.

    `archive` (and `csv_file`, when the CSV is not inside the archive) are Django `File`s. Raises
    `BulkImportExists` (with `.bulk_import`) when this contributor uploaded the same archive and CSV
    before. `enqueue=False` leaves the processing to the caller (the command runs it in-process).
    """
    profile = contributor_ensure_can_submit(user=contributor, task_number=IMAGE_TASK_NUMBER)
    if not license_confirmed:
        raise DomainError(
            _("Confirm that you took these photos, hold their copyright and license them CC-BY-SA 4.0."),
            field="license_confirmed",
            code="license_required",
        )
    if archive.size is not None and archive.size > bulk.max_archive_bytes():
        raise BulkTooLarge(
            _("The archive is larger than %(max)s MB. Split it into smaller ZIPs.")
            % {"max": f"{bulk.max_archive_bytes() // bulk.MB:,}"}
        )
    archive_sha256 = _sha256_of(archive)
    csv_data = _read_csv_upload(csv_file) if csv_file is not None else None
    csv_sha256 = hashlib.sha256(csv_data).hexdigest() if csv_data is not None else ""
    earlier = _earlier_import(contributor, archive_sha256, csv_sha256)
    if earlier is not None:
        raise BulkImportExists(earlier)

    with bulk.open_archive(archive) as zip_file:
        manifest = bulk.inspect_archive(zip_file)
        if csv_data is None:
            csv_data = bulk.csv_bytes_from(zip_file, manifest)
    parsed = bulk.parse_csv(csv_data, default_language=profile.native_language_label)

    rows, named = [], set()
    for row in parsed.rows:
        member = None
        if row.file_name:
            named.add(row.file_name.lower())
        if not row.error:
            member, problem = manifest.find(row.file_name)
            if problem == "missing":
                row.refuse("file_missing", _("The archive has no file named “%s”.") % row.file_name)
            elif problem == "ambiguous":
                row.refuse(
                    "file_ambiguous",
                    _("The archive has several files named “%s” in different folders: rename them.")
                    % row.file_name,
                )
            elif member.size > bulk.max_member_bytes():
                row.refuse(
                    "file_too_large",
                    _("The file is larger than %(max)s MB once unpacked.")
                    % {"max": bulk.max_member_bytes() // bulk.MB},
                )
        rows.append(_row_record(row, member))
    unreferenced = sorted(
        m.name for name, members in manifest.images.items() if name.lower() not in named for m in members
    )

    now = timezone.now()
    has_pending = any(r.status == BulkImportRow.Status.PENDING for r in rows)
    bulk_import = BulkImport(
        contributor=contributor,
        source=source,
        archive_name=_display_name(archive, "archive.zip"),
        archive_size=archive.size or 0,
        archive_sha256=archive_sha256,
        csv_sha256=csv_sha256,
        csv_name=_display_name(csv_file, "") if csv_file is not None else "",
        total_rows=len(rows),
        warnings=parsed.warnings,
        unreferenced_files=unreferenced,
        ignored_files=manifest.ignored,
        license_confirmed_at=now,
        status=BulkImport.Status.QUEUED if has_pending else BulkImport.Status.DONE,
        finished_at=None if has_pending else now,
    )
    if has_pending:
        # Stored before the row that points to it; a failed insert removes it again below.
        bulk_import.archive.save("archive.zip", archive, save=False)
    try:
        with transaction.atomic():
            bulk_import.save()
            for record in rows:
                record.bulk_import = bulk_import
            BulkImportRow.objects.bulk_create(rows)
            if has_pending and enqueue:
                transaction.on_commit(partial(bulk_import_enqueue, import_id=bulk_import.pk))
    except IntegrityError:
        if bulk_import.archive:
            bulk_import.archive.delete(save=False)
        earlier = _earlier_import(contributor, archive_sha256, csv_sha256)
        if earlier is not None:
            raise BulkImportExists(earlier) from None
        raise
    return bulk_import


def _earlier_import(contributor, archive_sha256: str, csv_sha256: str) -> BulkImport | None:
    return BulkImport.objects.filter(
        contributor=contributor, archive_sha256=archive_sha256, csv_sha256=csv_sha256
    ).first()


def _row_record(row: bulk.CsvRow, member: Member | None) -> BulkImportRow:
    refused = bool(row.error)
    return BulkImportRow(
        row_number=row.row_number,
        line_number=row.line_number,
        image=row.image,
        file_name=row.file_name[:255],
        member_name=member.name if member else "",
        fields=row.fields(),
        status=BulkImportRow.Status.REFUSED if refused else BulkImportRow.Status.PENDING,
        reason_code=row.error_code,
        reason=row.error,
        processed_at=timezone.now() if refused else None,
    )


def bulk_import_enqueue(*, import_id: int) -> None:
    """Queue the processing; if the broker is down the import waits as it is for the stale sweep."""
    from contributions.bulk_tasks import process_bulk_import

    try:
        process_bulk_import.delay(import_id)
    except Exception:  # the broker's own errors vary by transport; the sweep re-queues it later
        logger.exception("Could not queue bulk import %s; the stale-import sweep will retry", import_id)


def bulk_import_process(
    *, import_id: int, time_budget: float | None = None, on_row: Callable[[], None] | None = None
) -> bool:
    """Submit the import's pending rows in order. Returns True when every row has its result.

    Safe to run twice at once or again after a crash: each row is locked, checked and written with
    its submission in one transaction, so it is submitted once. Stops after `time_budget` seconds
    (the task then queues itself again) so that a long import never hits the worker's time limit.
    """
    bulk_import = BulkImport.objects.filter(pk=import_id).select_related("contributor").first()
    if bulk_import is None or bulk_import.status == BulkImport.Status.DONE:
        return True
    BulkImport.objects.filter(pk=import_id, status=BulkImport.Status.QUEUED).update(
        status=BulkImport.Status.PROCESSING, started_at=timezone.now(), updated_at=timezone.now()
    )
    deadline = time.monotonic() + time_budget if time_budget else None
    pending = list(
        bulk_import.rows.filter(status=BulkImportRow.Status.PENDING)
        .order_by("row_number")
        .values_list("pk", flat=True)
    )
    if pending:
        try:
            archive_file = bulk_import.archive.open("rb") if bulk_import.archive else None
        except FileNotFoundError:
            archive_file = None
        if archive_file is None:
            _refuse_pending(bulk_import, "archive_missing", _("The uploaded archive is no longer available."))
        else:
            with archive_file, zipfile.ZipFile(archive_file) as zip_file:
                last_touch = time.monotonic()
                for row_id in pending:
                    if deadline is not None and time.monotonic() > deadline:
                        return False
                    bulk_row_process(row_id=row_id, bulk_import=bulk_import, zip_file=zip_file)
                    if on_row is not None:
                        on_row()
                    if time.monotonic() - last_touch > 30:
                        # Shows the import is alive, so the stale sweep leaves it alone.
                        BulkImport.objects.filter(pk=import_id).update(updated_at=timezone.now())
                        last_touch = time.monotonic()
    return bulk_import_finish(import_id=import_id)


def bulk_row_process(*, row_id: int, bulk_import: BulkImport, zip_file: zipfile.ZipFile) -> None:
    """Submit one pending row through the image service, and record its submission or the reason."""
    # A try is counted, and committed, before the image is touched: an image that kills the worker
    # every time is refused after MAX_ROW_ATTEMPTS instead of being retried forever.
    counted = BulkImportRow.objects.filter(pk=row_id, status=BulkImportRow.Status.PENDING).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        return
    with transaction.atomic():
        row = (
            BulkImportRow.objects.select_for_update(skip_locked=True)
            .filter(pk=row_id, status=BulkImportRow.Status.PENDING)
            .first()
        )
        if row is None:
            return  # done already, or being done by another worker right now
        if row.attempts > MAX_ROW_ATTEMPTS:
            _row_refuse(row, "processing_failed", _("This image could not be processed after several tries."))
            return
        try:
            info = zip_file.getinfo(row.member_name)
            member = Member(row.member_name, row.file_name, info.file_size, info.compress_size)
            data = bulk.read_member(zip_file, member)
        except KeyError:
            _row_refuse(row, "file_missing", _("The archive has no file named “%s”.") % row.file_name)
            return
        except MemberError as error:
            _row_refuse(row, error.code, error.message)
            return
        upload = SimpleUploadedFile(
            row.file_name,
            data,
            content_type=mimetypes.guess_type(row.file_name)[0] or "application/octet-stream",
        )
        fields = row.fields
        try:
            with transaction.atomic():
                submission = image_submission_create(
                    contributor=bulk_import.contributor,
                    upload=upload,
                    description=fields.get("description", ""),
                    native_description=fields.get("native_description", ""),
                    native_language=fields.get("native_language", ""),
                    countries=list(fields.get("countries", [])),
                    location=fields.get("location", ""),
                    group=fields.get("group", ""),
                    license_confirmed=True,
                    source="bulk",
                )
        except DomainError as error:
            _row_refuse(row, error.code, _error_text(error))
            return
        row.status = BulkImportRow.Status.IMPORTED
        row.submission = submission
        row.processed_at = timezone.now()
        row.save(update_fields=["status", "submission", "processed_at"])


def image_submission_create(**kwargs):
    # Looked up at call time: the one service every way in shares (web form, API, bulk import).
    from contributions import services

    return services.image_submission_create(**kwargs)


def _error_text(error: DomainError) -> str:
    """Every message of a refusal: a row with two bad fields says both."""
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict) and errors:
        messages = [str(message) for field_messages in errors.values() for message in field_messages]
        return " ".join(dict.fromkeys(messages))
    return error.message


def _row_refuse(row: BulkImportRow, code: str, message: str) -> None:
    row.status = BulkImportRow.Status.REFUSED
    row.reason_code = (code or "invalid")[:64]
    row.reason = message or _("Not imported.")
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "reason_code", "reason", "processed_at"])


def _refuse_pending(bulk_import: BulkImport, code: str, message: str) -> None:
    bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).update(
        status=BulkImportRow.Status.REFUSED, reason_code=code, reason=message, processed_at=timezone.now()
    )


@transaction.atomic
def bulk_import_finish(*, import_id: int) -> bool:
    """Mark the import finished once no row is pending, and delete its archive (the images are stored)."""
    bulk_import = BulkImport.objects.select_for_update().get(pk=import_id)
    if bulk_import.status == BulkImport.Status.DONE:
        return True
    if bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).exists():
        return False
    archive_name = bulk_import.archive.name
    storage = bulk_import.archive.storage
    bulk_import.status = BulkImport.Status.DONE
    bulk_import.finished_at = timezone.now()
    bulk_import.archive = ""
    bulk_import.save(update_fields=["status", "finished_at", "archive", "updated_at"])
    if archive_name:
        transaction.on_commit(partial(storage.delete, archive_name))
    return True


def bulk_imports_requeue_stale() -> list[int]:
    """Queue again the imports that stopped moving (broker down at upload, worker lost): beat runs it."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        BulkImport.objects.filter(
            status__in=[BulkImport.Status.QUEUED, BulkImport.Status.PROCESSING], updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for import_id in stale:
        BulkImport.objects.filter(pk=import_id).update(updated_at=timezone.now())
        bulk_import_enqueue(import_id=import_id)
    return stale


def bulk_archives_sweep_orphans(*, min_age: timedelta = timedelta(hours=1)) -> list[str]:
    """Delete stored archives that no import points to (an upload that failed after storing its file)."""
    from contributions import storage

    cutoff = timezone.now() - min_age
    referenced = set(BulkImport.objects.exclude(archive="").values_list("archive", flat=True))
    orphans = [
        name
        for name, modified in storage.iter_stored("bulk/")
        if modified < cutoff and name not in referenced
    ]
    storage.delete_quietly(*orphans)
    return orphans


def bulk_input_error_fields(error: DomainError) -> dict[str | None, list[str]]:
    """Which form field a refused upload's message belongs to (None: the upload as a whole)."""
    return {error.field or None: [error.message]}
