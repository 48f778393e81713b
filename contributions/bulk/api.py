"""The bulk import through the API: the same service and report as the web page.

The ZIP comes as multipart, or (on S3) straight to the bucket with the presigned POST of
`/images/bulk/presign`, then as its `archive_key`: the same two steps as the web page."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from campaign.apidocs import errors
from campaign.errors import DomainError
from contributions.bulk.selectors import bulk_import_of, bulk_import_progress, bulk_rows_of
from contributions.bulk.services import (
    BulkImportExists,
    StoredArchive,
    bulk_archive_presign,
    bulk_import_create,
)
from contributions.models import BulkImport
from contributions.reasons import bulk_row_reason_text, bulk_warning_text, ignored_file_reason_text

router = Router(tags=["images"])
OPTIONAL_ARCHIVE = File(None)  # or already in the bucket: `archive_key`
OPTIONAL_CSV = File(None)  # the CSV may be inside the archive instead


class BulkPresignOut(Schema):
    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    too_large: str


class BulkRowOut(Schema):
    row: int
    line: int
    image: str
    result: str
    submission_id: int | None
    submission_status: str | None
    reason_code: str
    reason: str


class IgnoredFileOut(Schema):
    name: str
    reason: str


class BulkImportOut(Schema):
    id: int
    status: str
    finished: bool
    already_uploaded: bool = False
    status_url: str
    report_url: str
    archive_name: str
    total_rows: int
    processed_rows: int
    pending_rows: int
    imported_rows: int
    refused_rows: int
    percent: int
    warnings: list[str]
    unreferenced_files: list[str]
    ignored_files: list[IgnoredFileOut]
    rows: list[BulkRowOut]


def _out(request: HttpRequest, bulk_import: BulkImport, *, already_uploaded: bool = False) -> dict:
    rows = [
        {
            "row": row.row_number,
            "line": row.line_number,
            "image": row.image,
            "result": row.status,
            "submission_id": row.submission_id,
            "submission_status": row.submission.status if row.submission else None,
            "reason_code": row.reason_code,
            "reason": bulk_row_reason_text(row.reasons, row.legacy_reason),  # in the request's language
        }
        for row in bulk_rows_of(bulk_import=bulk_import)
    ]
    return {
        **bulk_import_progress(bulk_import=bulk_import),
        "already_uploaded": already_uploaded,
        "status_url": request.build_absolute_uri(
            reverse("api-v1:bulk_import_status", kwargs={"import_id": bulk_import.pk})
        ),
        "report_url": request.build_absolute_uri(reverse("contributions:bulk-report", args=[bulk_import.pk])),
        "archive_name": bulk_import.archive_name,
        "warnings": [bulk_warning_text(warning) for warning in bulk_import.warnings],
        "unreferenced_files": bulk_import.unreferenced_files,
        "ignored_files": [
            {"name": item.get("name", ""), "reason": ignored_file_reason_text(item)}
            for item in bulk_import.ignored_files
        ],
        "rows": rows,
    }


@router.post(
    "/images/bulk/presign",
    response={200: BulkPresignOut, **errors(403, 409)},
    summary="Where to post a ZIP straight to storage (S3 only)",
    description="Answers a presigned POST: send `fields`, then `Content-Type`, then the ZIP as `file` "
    "(multipart, last) to `url` within the hour; the storage refuses a ZIP over `max_bytes`. Then call "
    "`POST /images/bulk` with `archive_key` set to `key` instead of `archive`. 409 when the portal "
    "stores files on its own disk (send the ZIP as `archive` then).",
)
def bulk_import_presign(request: HttpRequest):
    return bulk_archive_presign(contributor=request.user)


@router.post(
    "/images/bulk",
    response={200: BulkImportOut, 202: BulkImportOut, **errors(403, 409, 413, 415)},
    summary="Import a ZIP of images with the campaign's bulk CSV",
    description="Multipart: `archive` (a ZIP) or `archive_key` (the `key` of a ZIP posted to "
    "`/images/bulk/presign`'s URL), `csv` (optional when the CSV is inside the ZIP), "
    "`license_confirmed` (true: you took the photos and license them CC-BY-SA 4.0). Answers 202 with "
    "the import and its `status_url`; the rows are imported in the background. Uploading the same "
    "archive (and CSV) again creates nothing and answers 200 with the earlier import.",
)
def bulk_import_upload(
    request: HttpRequest,
    archive: UploadedFile | None = OPTIONAL_ARCHIVE,
    csv: UploadedFile | None = OPTIONAL_CSV,
    archive_key: Form[str] = "",
    license_confirmed: Form[bool] = False,
):
    if "\x00" in archive_key:  # not a key any storage holds (and PostgreSQL refuses it in text)
        raise DomainError(_("This is not the key of a ZIP you posted."), field="archive_key", code="invalid")
    if archive is None and not archive_key:
        raise DomainError(
            _("Send the ZIP as “archive”, or the “archive_key” of a ZIP you posted to storage."),
            field="archive",
            code="archive_required",
        )
    try:
        bulk_import = bulk_import_create(
            contributor=request.user,
            archive=archive if archive is not None else StoredArchive(name=archive_key[:255]),
            csv_file=csv,
            license_confirmed=license_confirmed,
            source=BulkImport.Source.API,
        )
    except BulkImportExists as error:
        return Status(200, _out(request, error.bulk_import, already_uploaded=True))
    return Status(202, _out(request, bulk_import))


@router.get(
    "/images/bulk/{int:import_id}",
    response={200: BulkImportOut, **errors(404)},
    url_name="bulk_import_status",
    summary="A bulk import's progress and per-row report",
)
def bulk_import_status(request: HttpRequest, import_id: int):
    return _out(request, bulk_import_of(contributor=request.user, import_id=import_id))
