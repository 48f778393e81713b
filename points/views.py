import hashlib
from decimal import Decimal
from functools import cache as once
from html import escape
from operator import attrgetter
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import organizer_required
from campaign.conditional import conditional_file_response
from campaign.errors import DomainError
from campaign.pagination import page_number, page_of
from campaign.spreadsheets import csv_response
from campaign.web import form_add_domain_error
from localization.fragments import FragmentStore
from points import selectors
from points.certificate import certificate_pdf, certificate_task_names
from points.forms import CoauthorshipClaimForm, LeaderboardFilterForm, MerchandiseClaimForm
from points.models import (
    COAUTHORSHIP_THRESHOLD,
    MERCHANDISE_THRESHOLD,
    TASK_NUMBERS,
    THRESHOLDS,
    ClaimStatus,
    MerchandiseClaim,
)
from points.rewards import certificate_issue, coauthorship_claim_save, merchandise_claim_save

HISTORY_PAGE_SIZE = 25


@once
def _table_markup_version() -> str:
    """What the cached table's markup depends on besides the data: its template, this module (which
    writes its rows) and the compiled catalogs. A deploy that changes any must not serve last week's
    markup from the cache (or a 304)."""
    digest = hashlib.sha256(
        Path(__file__).with_name("templates").joinpath("points", "leaderboard_table.html").read_bytes()
    )
    digest.update(Path(__file__).read_bytes())  # the rows are written in this module
    for catalog in sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.mo")):
        stat = catalog.stat()
        digest.update(f"{catalog.parent.parent.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def points_text(value) -> str:
    """`12.5`, `200`, `0.25`: a points amount without trailing zeros (never scientific notation)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# The rendered table of one snapshot's page: kept until the snapshot is replaced (its id is in the key),
# at most this long (a snapshot is published weekly).
LEADERBOARD_CACHE_SECONDS = 8 * 24 * 3600
# The browser keeps its copy and asks again each time: a 304 until the next snapshot (or a new sign-in).
LEADERBOARD_CACHE_CONTROL = "private, no-cache"


def _leaderboard_rows(rows, *, task_numbers) -> SafeString:
    """The table's rows, written here: the markup the template's loop wrote (tests/points keep that loop
    and compare), without its ~25 nodes a row fifty times over, most of a new table's time. Each label
    is translated once per table; every text from the data is escaped (`html.escape`, what Django's
    `escape` calls)."""
    rank_label, country_label = escape(_("Rank")), escape(_("Country"))
    all_time_label, this_week_label = escape(_("All time")), escape(_("This week"))
    anonymous_name = _("Anonymous contributor")
    # The messages outside the f-strings: xgettext (makemessages) does not read inside them.
    coauthor_title, coauthor_label = escape(_("Co-authorship (300+ points)")), escape(_("Co-author"))
    certificate_title = escape(_("Certificate and merchandise (200+ points)"))
    certificate_label = escape(_("Certificate"))
    coauthor = (
        f'<span class="badge badge-coauthor" title="{coauthor_title}">{coauthor_label}</span>\n          '
    )
    certificate = f'<span class="badge badge-certificate" title="{certificate_title}">{certificate_label}</span>'
    # Translated once per table, not once per row (the template's "Task N" header, the same message).
    task_labels = [escape(_("Task %(number)s") % {"number": number}) for number in task_numbers]
    task_points = attrgetter(*(f"task{number}" for number in task_numbers))
    countries = {code: escape(_(name)) for code, name in selectors.country_names().items()}
    parts = []
    for row in rows:
        # Plain strings, without the template's per-number localisation: the page stays fast.
        task_cells = "".join(
            f'<td data-label="{label}">{points_text(value)}</td>'
            for label, value in zip(task_labels, task_points(row), strict=True)
        )
        badge = coauthor if row.has_coauthorship_badge else certificate if row.has_certificate_badge else ""
        country = countries[row.country_code] if row.country_code in countries else escape(row.country_code)
        parts.append(
            f'\n      <tr data-contributor-row="{row.position:d}">'
            f'\n        <td class="leaderboard-rank" data-label="{rank_label}">{row.shown_rank:d}</td>'
            f'\n        <td class="leaderboard-name">{escape(row.public_name or anonymous_name)}'
            f"\n          {badge}\n        </td>"
            f'\n        <td data-label="{country_label}">{country}</td>'
            f"\n        {task_cells}"
            f'\n        <td class="leaderboard-total" data-label="{all_time_label}">'
            f"<strong>{points_text(row.total)}</strong></td>"
            f'\n        <td data-label="{this_week_label}">{points_text(row.week_points)}</td>'
            "\n      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - escaped labels and names, points texts, numbers


def _leaderboard_table(*, snapshot, country: str, task_number: int | None, week: bool, number: int) -> str:
    page = selectors.leaderboard_page(
        country=country, task_number=task_number, week=week, page=number, snapshot=snapshot
    )
    query = urlencode(
        [
            (name, value)
            for name, value in (
                ("country", country),
                ("task", task_number or ""),
                ("view", "week" if week else ""),
            )
            if value
        ]
    )
    return render_to_string(
        "points/leaderboard_table.html",
        {
            "page": page,
            "snapshot": snapshot,
            "task_numbers": TASK_NUMBERS,
            "query": query,
            "rows": _leaderboard_rows(page.rows, task_numbers=TASK_NUMBERS) if page.rows else "",
        },
    )


# The tables this process last showed (about 25 kB each), in front of the cache every process shares.
_TABLES = FragmentStore(size=128)

# The filters' fields, alike for every reader of a language who chose the same (localization.fragments).
_FILTERS = FragmentStore(size=512)


def _filters_markup(form: LeaderboardFilterForm) -> SafeString:
    """The filter form's fields: rendered once per language, choices offered and choice made; a form
    with errors (its own values in the messages) is rendered for its reader alone."""

    def render() -> str:
        return render_to_string("includes/form_fields.html", {"form": form})

    if form.is_bound and form.errors:
        return mark_safe(render())  # noqa: S308 - our own template's output
    key = (
        form.is_bound,
        *(tuple(form.fields[name].choices) for name in ("country", "task", "view")),
        *(form[name].value() for name in ("country", "task", "view")),
    )
    return mark_safe(_FILTERS.get_or_render(key, render))  # noqa: S308 - our own template's output


@require_GET
def leaderboard(request):
    """The latest snapshot's page. The table depends only on the snapshot, the language and the filters:
    rendered once per snapshot and kept in the cache (never anything about the viewer, who is in the
    page around it); the page carries an ETag and Last-Modified from the snapshot, for a 304."""
    form = LeaderboardFilterForm(request.GET or None)
    country, task_number, week = "", None, False
    if form.is_valid():
        country = form.cleaned_data["country"] or ""
        task_number = form.cleaned_data["task"]
        week = form.cleaned_data["view"] == "week"
    snapshot = selectors.latest_snapshot()

    def respond() -> HttpResponse:
        table = ""
        if snapshot is None:
            table = render_to_string("points/leaderboard_table.html", {"snapshot": None})
        else:
            number = selectors.leaderboard_page_number(
                snapshot, country=country, task_number=task_number, page=page_number(request)
            )
            key = (
                f"leaderboard:{_table_markup_version()}:{snapshot.pk}:{snapshot.created_at.timestamp()}:{translation.get_language()}:"
                f"{country}:{task_number or ''}:{int(week)}:{number}"
            )

            def shared_copy() -> str:
                table = cache.get(key)
                if table is None:
                    table = _leaderboard_table(
                        snapshot=snapshot, country=country, task_number=task_number, week=week, number=number
                    )
                    cache.set(key, table, LEADERBOARD_CACHE_SECONDS)
                return table

            # This process's copy first: the key names the markup exactly (its snapshot, version, language,
            # filters and page), so a copy kept here is the one in Redis, without asking Redis again.
            table = _TABLES.get_or_render(key, shared_copy)
        return render(
            request,
            "points/leaderboard.html",
            {
                "form": form,
                "filters": _filters_markup(form),
                "snapshot": snapshot,
                "table": mark_safe(table),  # noqa: S308 - our own template's output
                "merchandise_threshold": MERCHANDISE_THRESHOLD,
                "coauthorship_threshold": COAUTHORSHIP_THRESHOLD,
            },
        )

    if snapshot is None or len(get_messages(request)):
        return respond()  # a page showing a message is never answered with a 304 later
    version = (
        f"leaderboard|{_table_markup_version()}|{snapshot.pk}|{snapshot.created_at.isoformat()}|{translation.get_language()}|"
        f"{request.user.pk}|{request.get_full_path()}"
    )
    return conditional_file_response(
        request,
        version=version,
        last_modified=snapshot.created_at,
        respond=respond,
        cache_control=LEADERBOARD_CACHE_CONTROL,
    )


@login_required
def my_points(request):
    points = selectors.own_points(user=request.user)
    history = page_of(request, selectors.ledger_history_of(user=request.user), HISTORY_PAGE_SIZE)
    return render(
        request,
        "points/mine.html",
        {
            "points": points,
            "history": history,
            "merchandise_threshold": MERCHANDISE_THRESHOLD,
            "coauthorship_threshold": COAUTHORSHIP_THRESHOLD,
            "can_claim_merchandise": points.confirmed >= MERCHANDISE_THRESHOLD,
            "can_claim_coauthorship": points.confirmed >= COAUTHORSHIP_THRESHOLD,
            "merchandise_claim": selectors.merchandise_claim_of(user=request.user),
            "coauthorship_claim": selectors.coauthorship_claim_of(user=request.user),
        },
    )


def _claim_view(request, *, threshold, form_class, instance, initial, save, title, template_intro):
    points = selectors.own_points(user=request.user).confirmed
    is_open = points >= threshold
    status = 200 if is_open else 403
    if request.method == "POST":
        form = form_class(request.POST, **({"instance": instance} if instance is not None else {}))
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except DomainError as error:
                status = error.http_status
                if is_open:
                    form_add_domain_error(form, error)
                else:  # no form on the page to hold the refusal: it is the page's message
                    messages.error(request, error.message)
            else:
                messages.success(request, _("Thank you: the organizers have your details."))
                return redirect("points:mine")
    else:
        form = form_class(**({"instance": instance} if instance is not None else {"initial": initial}))
    return render(
        request,
        "points/claim_form.html",
        {
            "form": form if is_open else None,
            "title": title,
            "intro": template_intro,
            "points": points,
            "threshold": threshold,
        },
        status=status,
    )


@login_required
def merchandise_claim(request):
    instance = selectors.merchandise_claim_of(user=request.user)
    if instance is None and request.method != "POST":
        instance = MerchandiseClaim(
            recipient_name=getattr(getattr(request.user, "profile", None), "display_name", "")
        )
    return _claim_view(
        request,
        threshold=MERCHANDISE_THRESHOLD,
        form_class=MerchandiseClaimForm,
        instance=instance,
        initial={},
        save=lambda data: merchandise_claim_save(user=request.user, **data),
        title=_("Your T-shirt and keychain"),
        template_intro=_("Past 200 confirmed points, the campaign sends you a T-shirt and a keychain."),
    )


@login_required
def coauthorship_claim(request):
    claim = selectors.coauthorship_claim_of(user=request.user)
    initial = (
        {"full_name": claim.full_name, "affiliation": claim.affiliation, "orcid": claim.orcid}
        if claim
        else {}
    )
    return _claim_view(
        request,
        threshold=COAUTHORSHIP_THRESHOLD,
        form_class=CoauthorshipClaimForm,
        instance=None,
        initial=initial,
        save=lambda data: coauthorship_claim_save(user=request.user, **data),
        # Translators: co-authorship (a glossary term): being named as one of the paper's several authors.
        title=_("Co-authorship of the project paper"),
        template_intro=_("Past 300 confirmed points, you are a co-author of the final project paper."),
    )


@login_required
def certificate_download(request):
    try:
        certificate = certificate_issue(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("points:mine")
    verify_url = request.build_absolute_uri(reverse("points:certificate-verify", args=[certificate.key]))
    response = HttpResponse(
        certificate_pdf(certificate, verify_url=verify_url), content_type="application/pdf"
    )
    response["Content-Disposition"] = 'attachment; filename="sea-vl-certificate.pdf"'
    return response


@require_GET
def certificate_verify(request, key):
    certificate = selectors.certificate_by_key(key=key)
    if certificate is None:
        return render(request, "points/certificate_verify.html", {"certificate": None}, status=404)
    return render(
        request,
        "points/certificate_verify.html",
        {"certificate": certificate, "task_names": certificate_task_names(certificate)},
    )


@organizer_required
def organizers(request):
    rates = page_of(request, selectors.decision_rates(), 50)
    for row in rates:
        decided = row["accepted"] + row["rejected"]
        row["rejected_share"] = round(100 * row["rejected"] / decided) if decided else 0
    return render(
        request, "points/organizers.html", {"rates": rates, "snapshot": selectors.latest_snapshot()}
    )


@organizer_required
def leaderboard_csv(request):
    snapshot = selectors.latest_snapshot()
    if snapshot is None:
        raise Http404(_("No leaderboard has been published yet."))
    header = ["rank", "public_name", "country", *[f"task{n}" for n in TASK_NUMBERS], "total", "this_week"]
    rows = (
        [row.rank, row.public_name, row.country_code, *row.task_points(), row.total, row.week_points]
        for row in selectors.leaderboard_rows_for_export(snapshot=snapshot)
    )
    return csv_response(f"leaderboard-{snapshot.as_of:%Y-%m-%d}.csv", header, rows)


@organizer_required
def ledger_csv(request):
    return csv_response("ledger.csv", selectors.LEDGER_EXPORT_HEADER, selectors.ledger_for_export())


@organizer_required
def merchandise_csv(request):
    header = [
        "contributor_email",
        "display_name",
        "tshirt_size",
        "recipient_name",
        "shipping_address",
        "phone",
        "points",
    ]
    rows = (
        [
            claim.contributor.email,
            getattr(getattr(claim.contributor, "profile", None), "display_name", ""),
            claim.tshirt_size,
            claim.recipient_name,
            claim.shipping_address,
            claim.phone,
            claim.points_at_claim,
        ]
        for claim in selectors.merchandise_claims().iterator(chunk_size=2_000)
    )
    return csv_response("merchandise-claims.csv", header, rows)


@organizer_required
def coauthors_csv(request):
    header = ["contributor_email", "full_name", "affiliation", "orcid", "points"]
    rows = (
        [claim.contributor.email, claim.full_name, claim.affiliation, claim.orcid, claim.points_at_claim]
        for claim in selectors.coauthorship_claims().iterator(chunk_size=2_000)
    )
    return csv_response("co-authors.csv", header, rows)


ELIGIBILITY_HEADER = ["name", "email", "country", "points", "claim_status", "claimed_at", "status_changed_at"]


def _threshold(value: int) -> Decimal:
    threshold = Decimal(value)
    if threshold not in THRESHOLDS:
        raise Http404
    return threshold


@organizer_required
def eligibility(request, threshold: int):
    """Who reached a reward threshold, with their claim's status and date (the CSV has the same rows)."""
    threshold_points = _threshold(threshold)
    rows = selectors.eligible_contributors(threshold=threshold_points)
    for row in rows:
        row.claim_label = ClaimStatus(row.claim_status).label if row.claim_status else _("Not claimed")
    return render(
        request,
        "points/eligibility.html",
        {"rows": rows, "threshold": threshold, "coauthorship": threshold_points >= COAUTHORSHIP_THRESHOLD},
    )


@organizer_required
def eligibility_csv(request, threshold: int):
    """The eligibility list as a spreadsheet-safe CSV (formula-looking names neutralised)."""
    rows = (
        [
            row.name,
            row.email,
            row.country,
            row.points,
            row.claim_status or "not_claimed",
            row.claimed_at.isoformat(timespec="seconds") if row.claimed_at else "",
            row.status_changed_at.isoformat(timespec="seconds") if row.status_changed_at else "",
        ]
        for row in selectors.eligible_contributors(threshold=_threshold(threshold))
    )
    return csv_response(f"eligible-{threshold}.csv", ELIGIBILITY_HEADER, rows)
