"""Bulk imports coming in: a ZIP of images with the campaign's CSV, checked whole and stored with one row
record per CSV row, or refused with nothing stored (`bulk_import_create`).

The ZIP comes either through the web worker (a multipart form: the API, the page without JavaScript,
local disk) or, on S3, straight from the browser to the bucket: the page asks `bulk_archive_presign`
for a presigned POST under the contributor's pending prefix, then sends the key (a `StoredArchive`),
and the import reads the ZIP from storage. The rows are then submitted in the background
(contributions.bulk.processing).
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import tempfile
import uuid
from dataclasses import dataclass
from functools import partial

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed
from contributions import storage
from contributions.bulk import archive as zip_archive
from contributions.bulk import parser, processing
from contributions.bulk.archive import Member
from contributions.bulk.parser import BulkInputError, BulkTooLarge
from contributions.models import BulkImport, BulkImportRow

logger = logging.getLogger(__name__)
IMAGE_TASK_NUMBER = 1
# Archives the browser posts straight to the bucket wait under the contributor's own prefix until the
# form that names them is sent; the orphan sweep (everything under "bulk/") deletes those never sent.
PENDING_PREFIX = "bulk/pending/"
PRESIGN_SECONDS = 3600  # the upload has to start within the hour; it may take longer to finish
_PENDING_NAME = re.compile(r"bulk/pending/(?P<user>[0-9]+)/[0-9a-f]{32}\.zip")


@dataclass(frozen=True)
class StoredArchive:
    """A ZIP the browser already put into the default storage with a presigned POST, by its key."""

    name: str
    filename: str = ""


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
    if csv_file.size is not None and csv_file.size > parser.max_csv_bytes():
        raise BulkTooLarge(
            _("The CSV is larger than %(max)s MB.") % {"max": parser.max_csv_bytes() // parser.MB},
            field="csv",
        )
    csv_file.seek(0)
    return csv_file.read(parser.max_csv_bytes() + 1)


def _archive_too_large() -> BulkTooLarge:
    return BulkTooLarge(
        _("The archive is larger than %(max)s MB. Split it into smaller ZIPs.")
        % {"max": f"{parser.max_archive_bytes() // parser.MB:,}"}
    )


def bulk_archive_presign(*, contributor) -> dict:
    """Where and how the browser posts a ZIP straight to the bucket: one new key under the contributor's
    pending prefix, at most `max_archive_bytes()` (the bucket enforces both through the POST policy).

    Only on S3; on local disk the page sends the ZIP with the form."""
    contributor_ensure_can_submit(user=contributor, task_number=IMAGE_TASK_NUMBER)
    if not storage.is_s3():
        raise Conflict(
            _("Direct uploads are not available here: send the ZIP with the form."),
            code="direct_upload_unavailable",
        )
    name = f"{PENDING_PREFIX}{contributor.pk}/{uuid.uuid4().hex}.zip"
    post = storage.presigned_post(name, max_bytes=parser.max_archive_bytes(), seconds=PRESIGN_SECONDS)
    return {
        "key": name,
        "url": post["url"],
        "fields": post["fields"],
        "max_bytes": parser.max_archive_bytes(),
        "too_large": _archive_too_large().message,
    }


def _stored_archive_open(*, contributor, stored: StoredArchive) -> File:
    """The contributor's presigned upload, fetched into a local temporary file (streamed, capped).

    Refuses a key outside the contributor's pending prefix (403), a missing object, and an object over
    the limit (measured with a HEAD before a byte is fetched; such an object is deleted)."""
    match = _PENDING_NAME.fullmatch(stored.name or "")
    if match is None or int(match["user"]) != contributor.pk:
        raise NotAllowed(
            _("This uploaded ZIP is not one of yours. Choose your ZIP and upload it again."),
            field="archive",
            code="archive_not_yours",
        )
    try:
        size = storage.size_of(stored.name)
    except FileNotFoundError:
        raise BulkInputError(
            _(
                "Your uploaded ZIP was not found (a ZIP not imported within an hour is deleted). "
                "Choose it and upload it again."
            ),
            code="archive_missing",
        ) from None
    if size > parser.max_archive_bytes():
        _pending_discard(stored.name)
        raise _archive_too_large()
    local = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller, or below on failure
    try:
        received = 0
        for chunk in storage.iter_chunks(stored.name):
            received += len(chunk)
            if received > parser.max_archive_bytes():  # replaced by a larger one since the HEAD
                _pending_discard(stored.name)
                raise _archive_too_large()
            local.write(chunk)
    except BaseException:
        local.close()
        raise
    archive = File(local, name=_base_name(stored.filename, "archive.zip"))
    archive.size = received
    return archive


def _pending_discard(name: str) -> None:
    """Delete a presigned upload that cannot be imported, unless an import already points to it."""
    if not BulkImport.objects.filter(archive=name).exists():
        storage.delete_quietly(name)


def _display_name(file, fallback: str) -> str:
    return _base_name(getattr(file, "name", ""), fallback)


def _base_name(name: str, fallback: str) -> str:
    name = posixpath.basename((name or "").replace("\\", "/"))
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

    `archive` (and `csv_file`, when the CSV is not inside the archive) are Django `File`s, or the
    archive is a `StoredArchive` the browser posted to the bucket (then the import keeps that object).
    Raises `BulkImportExists` (with `.bulk_import`) when this contributor uploaded the same archive and
    CSV before. `enqueue=False` leaves the processing to the caller (the command runs it in-process).
    """
    profile = contributor_ensure_can_submit(user=contributor, task_number=IMAGE_TASK_NUMBER)
    if not license_confirmed:
        raise DomainError(
            _("Confirm that you took these photos, hold their copyright and license them CC-BY-SA 4.0."),
            field="license_confirmed",
            code="license_required",
        )
    if not isinstance(archive, StoredArchive):
        return _bulk_import_create(
            contributor=contributor,
            profile=profile,
            archive=archive,
            csv_file=csv_file,
            source=source,
            enqueue=enqueue,
            stored_name="",
        )
    stored = archive
    earlier = BulkImport.objects.filter(contributor=contributor, archive=stored.name).first()
    if earlier is not None:
        raise BulkImportExists(earlier)
    with _stored_archive_open(contributor=contributor, stored=stored) as local:
        try:
            return _bulk_import_create(
                contributor=contributor,
                profile=profile,
                archive=local,
                csv_file=csv_file,
                source=source,
                enqueue=enqueue,
                stored_name=stored.name,
            )
        except BulkImportExists:
            _pending_discard(stored.name)
            raise
        except BulkInputError as error:
            if error.field == "archive":  # this ZIP can never be imported; a CSV can be corrected
                _pending_discard(stored.name)
            raise


def _bulk_import_create(
    *, contributor, profile, archive, csv_file, source: str, enqueue: bool, stored_name: str
) -> BulkImport:
    if archive.size is not None and archive.size > parser.max_archive_bytes():
        raise _archive_too_large()
    archive_sha256 = _sha256_of(archive)
    csv_data = _read_csv_upload(csv_file) if csv_file is not None else None
    csv_sha256 = hashlib.sha256(csv_data).hexdigest() if csv_data is not None else ""
    earlier = _earlier_import(contributor, archive_sha256, csv_sha256)
    if earlier is not None:
        raise BulkImportExists(earlier)

    with zip_archive.open_archive(archive) as zip_file:
        manifest = zip_archive.inspect_archive(zip_file)
        if csv_data is None:
            csv_data = zip_archive.csv_bytes_from(zip_file, manifest)
    parsed = parser.parse_csv(csv_data, default_language=profile.native_language_label)

    rows, named = [], set()
    for row in parsed.rows:
        member = None
        if row.file_name:
            named.add(row.file_name.lower())
        if row.error is None:
            member, problem = manifest.find(row.file_name)
            if problem == "missing":
                row.refuse("file_missing", name=row.file_name)
            elif problem == "ambiguous":
                row.refuse("file_ambiguous", name=row.file_name)
            elif member.size > parser.max_member_bytes():
                row.refuse("file_too_large", max=parser.max_member_bytes() // parser.MB)
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
        warnings=[warning.stored("csv_warning") for warning in parsed.warnings],
        unreferenced_files=unreferenced,
        ignored_files=manifest.ignored,
        license_confirmed_at=now,
        status=BulkImport.Status.QUEUED if has_pending else BulkImport.Status.DONE,
        finished_at=None if has_pending else now,
    )
    if has_pending and stored_name:
        bulk_import.archive.name = stored_name  # the presigned upload stays where it is
    elif has_pending:
        # Stored before the row that points to it; a failed insert removes it again below.
        bulk_import.archive.save("archive.zip", archive, save=False)
    try:
        with transaction.atomic():
            bulk_import.save()
            for record in rows:
                record.bulk_import = bulk_import
            BulkImportRow.objects.bulk_create(rows)
            if has_pending and enqueue:
                transaction.on_commit(partial(processing.bulk_import_enqueue, import_id=bulk_import.pk))
    except IntegrityError:
        if bulk_import.archive and not stored_name:
            bulk_import.archive.delete(save=False)
        earlier = _earlier_import(contributor, archive_sha256, csv_sha256)
        if earlier is None and stored_name:
            earlier = BulkImport.objects.filter(contributor=contributor, archive=stored_name).first()
        if earlier is not None:
            raise BulkImportExists(earlier) from None
        raise
    if stored_name and not has_pending:
        transaction.on_commit(partial(storage.delete_quietly, stored_name))  # nothing left to import
    return bulk_import


def bulk_import_record_on_behalf(*, bulk_import: BulkImport, actor, run_by: str) -> None:
    """An organizer imported files for a contributor (the `import_bulk_images` command): audited, with
    who ran it (the organizer's account when named, else the operating-system user) and what."""
    audit(
        actor=actor,
        action="bulk_import.on_behalf",
        target=bulk_import,
        details={
            "contributor": bulk_import.contributor.email,
            "run_by": run_by,
            "archive": bulk_import.archive_name,
            "archive_sha256": bulk_import.archive_sha256,
            "csv": bulk_import.csv_name,
            "rows": bulk_import.total_rows,
        },
    )


def _earlier_import(contributor, archive_sha256: str, csv_sha256: str) -> BulkImport | None:
    return BulkImport.objects.filter(
        contributor=contributor, archive_sha256=archive_sha256, csv_sha256=csv_sha256
    ).first()


def _row_record(row: parser.CsvRow, member: Member | None) -> BulkImportRow:
    refused = row.error is not None
    return BulkImportRow(
        row_number=row.row_number,
        line_number=row.line_number,
        image=row.image,
        file_name=row.file_name[:255],
        member_name=member.name if member else "",
        fields=row.fields(),
        status=BulkImportRow.Status.REFUSED if refused else BulkImportRow.Status.PENDING,
        reason_code=row.error_code,
        reasons=[row.error.stored(row.error_code)] if refused else [],
        processed_at=timezone.now() if refused else None,
    )
