import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache as once
from html import escape
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import organizer_required
from accounts.roles import navigation_flags
from campaign.conditional import conditional_file_response
from campaign.errors import DomainError
from campaign.pagination import page_number, page_of
from campaign.spreadsheets import csv_response
from campaign.web import form_add_domain_error
from localization.fragments import FragmentStore, Shell, hole
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


@dataclass(frozen=True)
class _RowWords:
    """A table's words in one language, escaped: a row's markup around its values (`str.format`: the
    position, the rank, the name, the badge, the country, each task's points, the total, the week's), the
    anonymous name, the badges, the countries' names."""

    row: str
    anonymous: str
    coauthor: str
    certificate: str
    countries: dict[str, str]


def _format_literal(markup: str) -> str:
    return markup.replace("{", "{{").replace("}", "}}")


def _row_words(task_numbers: tuple[int, ...], countries: dict[str, str]) -> _RowWords:
    # The messages outside the f-strings: xgettext (makemessages) does not read inside them.
    coauthor_title, coauthor_label = escape(_("Co-authorship (300+ points)")), escape(_("Co-author"))
    certificate_title = escape(_("Certificate and merchandise (200+ points)"))
    certificate_label = escape(_("Certificate"))
    rank, country = _format_literal(escape(_("Rank"))), _format_literal(escape(_("Country")))
    all_time, this_week = _format_literal(escape(_("All time"))), _format_literal(escape(_("This week")))
    # The template's "Task N" header, the same message.
    tasks = [_format_literal(escape(_("Task %(number)s") % {"number": number})) for number in task_numbers]
    cells = "".join(f'<td data-label="{label}">{{{5 + index}}}</td>' for index, label in enumerate(tasks))
    total, week = 5 + len(tasks), 6 + len(tasks)
    row = (
        '\n      <tr data-contributor-row="{0:d}">'
        f'\n        <td class="leaderboard-rank" data-label="{rank}">{{1:d}}</td>'
        '\n        <td class="leaderboard-name">{2}'
        "\n          {3}\n        </td>"
        f'\n        <td data-label="{country}">{{4}}</td>'
        f"\n        {cells}"
        f'\n        <td class="leaderboard-total" data-label="{all_time}"><strong>{{{total}}}</strong></td>'
        f'\n        <td data-label="{this_week}">{{{week}}}</td>'
        "\n      </tr>\n    "
    )
    return _RowWords(
        row=row,
        anonymous=escape(_("Anonymous contributor")),
        coauthor=(
            f'<span class="badge badge-coauthor" title="{coauthor_title}">{coauthor_label}</span>\n          '
        ),
        certificate=f'<span class="badge badge-certificate" title="{certificate_title}">{certificate_label}</span>',
        countries={code: escape(_(name)) for code, name in countries.items()},
    )


# Per language (the store's key) and countries offered: translated once, not once per table.
_WORDS: FragmentStore[_RowWords] = FragmentStore(size=64)


def _leaderboard_rows(rows, *, task_numbers, countries: dict[str, str] | None = None) -> SafeString:
    """The table's rows, written here: the markup the template's loop wrote (tests/points keep that loop
    and compare), without its ~25 nodes a row fifty times over, most of a new table's time. The labels
    are translated once per language and set in one row format; every text from the data is escaped
    (`html.escape`, what Django's `escape` calls). `countries`: code -> name, as
    `selectors.country_names()` gives them."""
    countries = selectors.country_names() if countries is None else countries
    task_numbers = tuple(task_numbers)
    words = _WORDS.get_or_render(
        (task_numbers, tuple(countries.items())), lambda: _row_words(task_numbers, countries)
    )
    task_points = attrgetter(*(f"task{number}" for number in task_numbers))
    # Equal amounts read alike (a snapshot's numerics are never -0): each written once per table.
    texts: dict[Decimal, str] = {}

    def text(value: Decimal) -> str:
        written = texts.get(value)
        if written is None:
            written = texts[value] = points_text(value)
        return written

    row_format, names = words.row.format, words.countries
    parts = []
    for row in rows:
        # Plain strings, without the template's per-number localisation: the page stays fast.
        badge = (
            words.coauthor
            if row.has_coauthorship_badge
            else words.certificate
            if row.has_certificate_badge
            else ""
        )
        code = row.country_code
        parts.append(
            row_format(
                row.position,
                row.shown_rank,
                escape(row.public_name) if row.public_name else words.anonymous,
                badge,
                names[code] if code in names else escape(code),
                *map(text, task_points(row)),
                text(row.total),
                text(row.week_points),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - escaped labels and names, points texts, numbers


def filters_query(*, country: str, task_number: int | None, week: bool) -> str:
    """The filters as the pagination's links carry them (only those chosen)."""
    chosen = (("country", country), ("task", task_number or ""), ("view", "week" if week else ""))
    return urlencode([(name, value) for name, value in chosen if value])


def _leaderboard_table(
    *, snapshot, country: str, task_number: int | None, week: bool, number: int, countries: dict[str, str]
) -> str:
    page = selectors.leaderboard_page(
        country=country, task_number=task_number, week=week, page=number, snapshot=snapshot
    )
    query = filters_query(country=country, task_number=task_number, week=week)
    if not page.rows:
        return render_to_string("points/leaderboard_table.html", {"page": page, "snapshot": snapshot})

    def frame() -> Shell:
        # The page's numbers are holes: every page between the first and the last has this frame.
        numbered = SimpleNamespace(
            rows=page.rows,
            count=page.count,
            num_pages=page.num_pages,
            has_previous=page.has_previous,
            has_next=page.has_next,
            number=hole("number"),
            previous_page_number=hole("previous"),
            next_page_number=hole("next"),
        )
        context = {
            "page": numbered,
            "snapshot": snapshot,
            "task_numbers": TASK_NUMBERS,
            "query": query,
            "rows": hole("rows"),
        }
        return Shell.of(render_to_string("points/leaderboard_table.html", context))

    key = (
        snapshot.pk,
        snapshot.created_at,
        query,
        page.count,
        page.num_pages,
        page.has_previous,
        page.has_next,
    )
    return _TABLE_FRAMES.get_or_render(key, frame).fill(
        {
            "rows": _leaderboard_rows(page.rows, task_numbers=TASK_NUMBERS, countries=countries),
            "number": str(page.number),
            "previous": str(page.previous_page_number),
            "next": str(page.next_page_number),
        }
    )


# A table's markup around its rows (the caption, the header, the pagination), per language and time
# zone (the store's key), snapshot, filters and where the page lies (first, between, last).
_TABLE_FRAMES: FragmentStore[Shell] = FragmentStore(size=256)


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


# Each kind of viewer's page around the table (localization.fragments.Shell): alike for every reader of
# a language and time zone with the same menu, snapshot and filters; the table, the CSRF token and the
# language switcher's way back are holes, filled per request.
_SHELLS: FragmentStore[Shell] = FragmentStore(size=256)


def _filters_key(request, countries: dict[str, str]) -> tuple:
    """What the filter fields show: the countries offered, and what was asked (a bound form shows the
    values as sent)."""
    return (
        tuple(countries.items()),
        bool(request.GET),
        *(request.GET.get(name) for name in ("country", "task", "view")),
    )


@require_GET
def leaderboard(request):
    """The latest snapshot's page. The table depends only on the snapshot, the language and the filters:
    rendered once per snapshot and kept in the cache (never anything about the viewer, who is in the
    page around it); the page carries an ETag and Last-Modified from the snapshot, for a 304."""
    countries = selectors.country_names()
    chosen = LeaderboardFilterForm.choice_made(request.GET, countries=countries)
    form = None
    if chosen is None:  # a value that is not a choice: the form says why, on this reader's page alone
        form = LeaderboardFilterForm(request.GET, countries=countries)
        form.is_valid()
    country, task_number, week = chosen or ("", None, False)
    snapshot = selectors.latest_snapshot()

    def table_markup() -> str:
        if snapshot is None:
            return render_to_string("points/leaderboard_table.html", {"snapshot": None})
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
                    snapshot=snapshot,
                    country=country,
                    task_number=task_number,
                    week=week,
                    number=number,
                    countries=countries,
                )
                cache.set(key, table, LEADERBOARD_CACHE_SECONDS)
            return table

        # This process's copy first: the key names the markup exactly (its snapshot, version, language,
        # filters and page), so a copy kept here is the one in Redis, without asking Redis again.
        return _TABLES.get_or_render(key, shared_copy)

    def page_context(the_form, table) -> dict:
        return {
            "filters": _filters_markup(the_form),
            "snapshot": snapshot,
            "table": mark_safe(table),  # noqa: S308 - our own template's output
            "merchandise_threshold": MERCHANDISE_THRESHOLD,
            "coauthorship_threshold": COAUTHORSHIP_THRESHOLD,
        }

    def respond() -> HttpResponse:
        if form is not None or snapshot is None or len(get_messages(request)):
            # The reader's own errors or messages are in this page: rendered for them alone.
            the_form = form or LeaderboardFilterForm(request.GET or None, countries=countries)
            return render(request, "points/leaderboard.html", page_context(the_form, table_markup()))
        key = (
            tuple(navigation_flags(request.user).values()),
            snapshot.pk,
            snapshot.created_at,
            _filters_key(request, countries),
        )

        def shell() -> Shell:
            the_form = LeaderboardFilterForm(request.GET or None, countries=countries)
            context = {
                **page_context(the_form, hole("table")),
                "csrf_token": hole("csrf"),
                "page_path": hole("path"),
            }
            return Shell.of(render_to_string("points/leaderboard.html", context, request=request))

        page = _SHELLS.get_or_render(key, shell).fill(
            {"table": table_markup(), "csrf": get_token(request), "path": escape(request.get_full_path())}
        )
        return HttpResponse(page)

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
