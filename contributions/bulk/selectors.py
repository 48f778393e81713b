"""Reads of bulk imports: a contributor sees only their own."""

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from campaign.errors import NotFound
from contributions.models import BulkImport, BulkImportRow
from contributions.reasons import bulk_row_reason_text, ignored_file_reason_text


def bulk_imports_of(*, contributor) -> QuerySet[BulkImport]:
    return BulkImport.objects.filter(contributor=contributor).order_by("-created_at")


def bulk_import_of(*, contributor, import_id: int) -> BulkImport:
    """The contributor's own import; someone else's is not found, as if it did not exist."""
    bulk_import = BulkImport.objects.filter(contributor=contributor, pk=import_id).first()
    if bulk_import is None:
        raise NotFound(_("No such bulk import."))
    return bulk_import


def bulk_import_progress(*, bulk_import: BulkImport) -> dict:
    counts = bulk_import.rows.aggregate(
        pending=Count("pk", filter=Q(status=BulkImportRow.Status.PENDING)),
        imported=Count("pk", filter=Q(status=BulkImportRow.Status.IMPORTED)),
        refused=Count("pk", filter=Q(status=BulkImportRow.Status.REFUSED)),
    )
    total = bulk_import.total_rows
    processed = counts["imported"] + counts["refused"]
    return {
        "id": bulk_import.pk,
        "status": bulk_import.status,
        "status_label": str(bulk_import.get_status_display()),
        "finished": bulk_import.is_finished,
        "total_rows": total,
        "processed_rows": processed,
        "pending_rows": counts["pending"],
        "imported_rows": counts["imported"],
        "refused_rows": counts["refused"],
        "percent": 100 if not total else round(100 * processed / total),
    }


def bulk_rows_of(*, bulk_import: BulkImport) -> QuerySet[BulkImportRow]:
    return bulk_import.rows.select_related("submission").order_by("row_number")


def submission_path(submission_id: int | None) -> str:
    """Where the contributor sees a submission: its page, or its API address when there is no page."""
    if not submission_id:
        return ""
    for name in ("contributions:detail",):
        try:
            return reverse(name, args=[submission_id])
        except NoReverseMatch:
            continue
    return f"/api/v1/images/{submission_id}"


REPORT_HEADER = [
    "row",
    "line",
    "image",
    "result",
    "submission_id",
    "submission_status",
    "submission_url",
    "reason_code",
    "reason",
]


def bulk_report_rows(*, bulk_import: BulkImport, base_url: str = ""):
    """The per-row report as lists of cells (REPORT_HEADER), then the archive's files no row names."""
    for row in bulk_rows_of(bulk_import=bulk_import).iterator(chunk_size=500):
        submission = row.submission
        yield [
            row.row_number,
            row.line_number,
            row.image,
            row.get_status_display(),
            submission.pk if submission else "",
            submission.get_status_display() if submission else "",
            base_url + submission_path(submission.pk) if submission else "",
            row.reason_code,
            bulk_row_reason_text(row.reasons, row.legacy_reason),  # in the reader's language
        ]
    for name in bulk_import.unreferenced_files:
        yield ["", "", name, _("Not in the CSV"), "", "", "", "not_in_csv", _("No row names this file.")]
    for item in bulk_import.ignored_files:
        yield [
            "",
            "",
            item.get("name", ""),
            _("Ignored"),
            "",
            "",
            "",
            "ignored",
            ignored_file_reason_text(item),
        ]
