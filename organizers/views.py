from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import organizer_required
from campaign.errors import DomainError
from campaign.pagination import page_of
from campaign.spreadsheets import csv_response
from campaign.web import form_add_domain_error
from organizers import services
from organizers.charts import dashboard_charts
from organizers.downloads import export_file_response
from organizers.forms import AuditFilterForm, DatasetExportForm
from organizers.selectors.audit import (
    AuditFilters,
    admin_log_entries,
    audit_actions,
    audit_event_rows,
    audit_events,
)
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


AUDIT_CSV_HEADER = [
    "when",
    "actor_email",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target",
    "details",
]


def _audit_filters(form: AuditFilterForm) -> AuditFilters:
    if not form.is_valid():
        return AuditFilters()
    data = form.cleaned_data
    return AuditFilters(
        actor=data["actor"],
        action=data["action"],
        target=data["target"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        q=data["q"],
    )


@require_GET
@organizer_required
def audit_log(request):
    source = "admin" if request.GET.get("source") == "admin" else "portal"
    form = AuditFilterForm(request.GET or None)
    filters = _audit_filters(form) if request.GET else AuditFilters()
    queryset = admin_log_entries() if source == "admin" else audit_events(filters)
    page = page_of(request, queryset, 50)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "source": source,
        "form": form if request.GET else AuditFilterForm(),
        "actions": audit_actions(),
        "query": query.urlencode(),
    }
    return render(request, "organizers/audit.html", context)


@require_GET
@organizer_required
def hub(request):
    """One page that links every queue waiting on an organizer, with the count waiting in each."""
    from organizers.hub import hub_queues

    return render(request, "organizers/hub.html", {"queues": hub_queues(user=request.user)})


def admin_login_or_hub(login_view):
    """The admin's login view, except that a signed-in organizer without staff access is sent to the
    hub with a message (instead of a bare 403)."""
    from functools import wraps

    from accounts.roles import is_organizer

    @wraps(login_view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_staff and is_organizer(user):
            messages.info(
                request,
                _(
                    "The admin needs staff access, which your account does not have: ask an administrator. "
                    "Everything waiting on organizers is linked here."
                ),
            )
            return redirect("organizers:hub")
        return login_view(request, *args, **kwargs)

    return wrapped


@require_GET
@organizer_required
def audit_log_csv(request):
    """The filtered portal log as a spreadsheet-safe CSV (formula-looking cells neutralised)."""
    filters = _audit_filters(AuditFilterForm(request.GET))
    return csv_response("audit-log.csv", AUDIT_CSV_HEADER, audit_event_rows(audit_events(filters)))
