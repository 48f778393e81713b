from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import organizer_required
from campaign.errors import DomainError
from campaign.pagination import page_of
from campaign.web import form_add_domain_error
from organizers import services
from organizers.charts import dashboard_charts
from organizers.downloads import export_file_response
from organizers.forms import DatasetExportForm
from organizers.selectors.audit import admin_log_entries, audit_events
from organizers.selectors.dashboard import dashboard_cached
from organizers.selectors.exports import dataset_exports


@require_GET
@organizer_required
def dashboard(request):
    data, computed_at = dashboard_cached(
        max_age=getattr(settings, "ORGANIZERS_DASHBOARD_CACHE_SECONDS", 300), refresh="refresh" in request.GET
    )
    context = {"dashboard": data, "computed_at": computed_at, **dashboard_charts(data)}
    return render(request, "organizers/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@organizer_required
def export_list(request):
    form = DatasetExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = services.dataset_export_start(
                requested_by=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                countries=[country.code for country in form.cleaned_data["countries"]],
                tasks=form.cleaned_data["tasks"],
            )
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, _("The export has started. You will get an e-mail when it is ready."))
            return redirect("organizers:export-detail", export_id=export.pk)
    page = page_of(request, dataset_exports(), 20)
    return render(request, "organizers/exports.html", {"form": form, "page": page})


@require_GET
@organizer_required
def export_detail(request, export_id: int):
    export = get_object_or_404(dataset_exports(), pk=export_id)
    return render(request, "organizers/export_detail.html", {"export": export})


@require_GET
@organizer_required
def export_file(request, export_id: int, path: str):
    """A file of a ready export, for organizers only: a short-lived signed URL on S3, else streamed."""
    return export_file_response(export_id=export_id, path=path)


@require_GET
@organizer_required
def audit_log(request):
    source = "admin" if request.GET.get("source") == "admin" else "portal"
    queryset = admin_log_entries() if source == "admin" else audit_events()
    page = page_of(request, queryset, 50)
    return render(request, "organizers/audit.html", {"page": page, "source": source})
