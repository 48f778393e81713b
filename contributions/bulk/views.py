"""Pages of the bulk import: upload, progress with the per-row report, its JSON status and CSV.

On S3 the upload page's script posts the ZIP straight to the bucket (a presigned POST from
`bulk_presign`) and sends the form with its key, so a slow link never holds a web worker; without
JavaScript, or on local disk, the ZIP comes with the form."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import profile_required
from campaign.errors import DomainError, NotFound
from campaign.pagination import page_of
from campaign.services import task_ensure_open
from campaign.spreadsheets import neutralise_cell
from campaign.web import domain_error_body, form_add_domain_error
from contributions import storage
from contributions.bulk import parser
from contributions.bulk.forms import BulkUploadForm
from contributions.bulk.selectors import (
    REPORT_HEADER,
    bulk_import_of,
    bulk_import_progress,
    bulk_imports_of,
    bulk_report_rows,
    bulk_rows_of,
    submission_path,
)
from contributions.bulk.services import (
    BulkImportExists,
    StoredArchive,
    bulk_archive_presign,
    bulk_import_create,
)


def _own_import(request, import_id: int):
    try:
        return bulk_import_of(contributor=request.user, import_id=import_id)
    except NotFound:
        raise Http404 from None


def _declared_too_large(request) -> bool:
    """A body declared larger than an archive and a CSV may be is refused before it is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > parser.max_archive_bytes() + parser.max_csv_bytes() + parser.MB


@profile_required
def bulk_upload(request):
    if request.method == "POST" and _declared_too_large(request):
        form = BulkUploadForm()
        form.add_error(
            "archive",
            _("The upload is larger than %(max)s MB. Split it into smaller ZIPs.")
            % {"max": f"{parser.max_archive_bytes() // parser.MB:,}"},
        )
        return _upload_page(request, form, status=413)
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        archive = data["archive"] or StoredArchive(name=data["archive_key"], filename=data["archive_name"])
        try:
            bulk_import = bulk_import_create(
                contributor=request.user,
                archive=archive,
                csv_file=data["csv"] or None,
                license_confirmed=data["license_confirmed"],
            )
        except BulkImportExists as error:
            messages.info(request, error.message)
            return redirect("contributions:bulk-detail", import_id=error.bulk_import.pk)
        except DomainError as error:
            status = error.http_status
            if error.field == "archive":
                _forget_stored_archive(form)  # the ZIP itself has to be chosen again
            form_add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Your upload is in: %(count)s rows are being imported.")
                % {"count": bulk_import.total_rows},
            )
            return redirect("contributions:bulk-detail", import_id=bulk_import.pk)
    return _upload_page(request, form, status=400 if form.errors and status == 200 else status)


def _forget_stored_archive(form) -> None:
    if form.is_bound and form.data.get("archive_key"):
        form.data = form.data.copy()
        form.data["archive_key"] = form.data["archive_name"] = ""


def _upload_page(request, form, *, status: int):
    task_closed = ""
    try:
        task_ensure_open(number=1)
    except DomainError as error:
        task_closed = error.message
    imports = page_of(request, bulk_imports_of(contributor=request.user), 10)
    stored_archive = form.data.get("archive_key") and (form.data.get("archive_name") or "archive.zip")
    return render(
        request,
        "contributions/bulk_upload.html",
        {
            "form": form,
            "imports": imports,
            "task_closed": task_closed,
            # The page's script sends the ZIP straight to the bucket only when files live on S3.
            "direct_upload": storage.is_s3(),
            "stored_archive": stored_archive,
        },
        status=status,
    )


@profile_required
@require_POST
def bulk_presign(request):
    """A presigned POST for one ZIP under the contributor's pending prefix (JSON for the page's script)."""
    try:
        return JsonResponse(bulk_archive_presign(contributor=request.user))
    except DomainError as error:
        return JsonResponse(domain_error_body(error), status=error.http_status)


@login_required
def bulk_detail(request, import_id: int):
    bulk_import = _own_import(request, import_id)
    rows = page_of(request, bulk_rows_of(bulk_import=bulk_import), 50)
    for row in rows:
        row.submission_url = submission_path(row.submission_id)
    return render(
        request,
        "contributions/bulk_detail.html",
        {
            "bulk_import": bulk_import,
            "progress": bulk_import_progress(bulk_import=bulk_import),
            "rows": rows,
        },
    )


@login_required
@never_cache
def bulk_status(request, import_id: int):
    bulk_import = _own_import(request, import_id)
    return JsonResponse(bulk_import_progress(bulk_import=bulk_import))


@login_required
def bulk_report(request, import_id: int):
    """The per-row report as CSV; every cell that a spreadsheet could run as a formula is neutralised."""
    bulk_import = _own_import(request, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-import-{bulk_import.pk}-report.csv"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(REPORT_HEADER)
    base_url = request.build_absolute_uri("/").rstrip("/")
    for cells in bulk_report_rows(bulk_import=bulk_import, base_url=base_url):
        writer.writerow([neutralise_cell(cell) for cell in cells])
    return response
