"""The organizers' part of the API: the latest leaderboard snapshot, dataset exports and their files, the
ledger CSV. The same selectors and role as the organizers' pages; a token of anyone else answers 403."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from accounts.roles import is_organizer
from campaign.apidocs import errors
from campaign.errors import NotAllowed, NotFound
from campaign.pagination import ApiPagination, page_url
from campaign.spreadsheets import csv_response
from contributions.errors import InvalidFields
from organizers.downloads import export_file_response
from organizers.models import DatasetExport
from organizers.selectors.exports import dataset_exports
from points import selectors as points_selectors
from points.forms import LeaderboardFilterForm
from points.models import TASK_NUMBERS
from points.selectors import LEADERBOARD_PAGE_SIZE

router = Router(tags=["organizers"])
FORBIDDEN = errors(403)


def _ensure_organizer(request: HttpRequest) -> None:
    if not is_organizer(request.user):
        raise NotAllowed(_("Only organizers can use this part of the API."))


# --- The leaderboard ----------------------------------------------------------------------------------


class LeaderboardFilters(Schema):
    country: str = Field("", max_length=2, description="ISO code of a country: only its contributors.")
    task: int | None = Field(None, ge=1, le=6, description="A task number: only who earned points in it.")
    view: Literal["all", "week"] = Field("all", description="`week`: ordered by this week's points.")
    page: int = Field(1, ge=1, description=f"{LEADERBOARD_PAGE_SIZE} rows a page; past the end: empty.")


class LeaderboardRowOut(Schema):
    rank: int = Field(..., description="The rank as the page shows it (ties share a rank: 1, 1, 3).")
    public_name: str
    country: str = Field(..., alias="country_code")
    task_points: dict[str, Decimal] = Field(..., description="Points per task number (`\"1\"` to `\"6\"`).")
    total: Decimal
    week_points: Decimal
    week_rank: int

    @staticmethod
    def resolve_rank(obj) -> int:
        # The rank within what the filters show, when the selector gives it (as the page shows it).
        return getattr(obj, "shown_rank", None) or obj.rank

    @staticmethod
    def resolve_task_points(obj) -> dict[str, Decimal]:
        return {str(number): points for number, points in zip(TASK_NUMBERS, obj.task_points(), strict=True)}


class SnapshotOut(Schema):
    id: int
    as_of: datetime
    week_starts_at: datetime


class LeaderboardOut(Schema):
    snapshot: SnapshotOut | None = Field(..., description="Null until the first snapshot is published.")
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
    items: list[LeaderboardRowOut]


@router.get(
    "/organizers/leaderboard",
    response={200: LeaderboardOut, **FORBIDDEN},
    summary="The latest leaderboard snapshot, filtered and paginated as on the page",
)
def leaderboard(request: HttpRequest, filters: Query[LeaderboardFilters]):
    _ensure_organizer(request)
    form = LeaderboardFilterForm(
        {"country": filters.country.upper(), "task": filters.task or "", "view": filters.view}
    )
    if not form.is_valid():
        raise InvalidFields({field: list(messages) for field, messages in form.errors.items()})
    country, task_number = form.cleaned_data["country"] or "", form.cleaned_data["task"]
    page = points_selectors.leaderboard_page(
        country=country, task_number=task_number, week=filters.view == "week", page=filters.page
    )
    past_the_end = filters.page > page.number  # the selector shows its last page; the API, none
    return {
        "snapshot": page.snapshot,
        "count": page.count,
        "page": filters.page,
        "page_size": LEADERBOARD_PAGE_SIZE,
        "next": page_url(request, page.number + 1) if page.has_next and not past_the_end else None,
        "previous": page_url(request, min(filters.page - 1, page.num_pages)) if filters.page > 1 else None,
        "items": [] if past_the_end else page.rows,
    }


# --- Dataset exports ----------------------------------------------------------------------------------


class ExportFileOut(Schema):
    path: str
    size: int
    sha256: str
    url: str = Field(..., description="Opens with the same token (or redirects to a signed URL on S3).")


class ExportOut(Schema):
    id: int
    status: DatasetExport.Status
    progress: int = Field(..., description="Percent done.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    date_from: date | None
    date_to: date | None
    countries: list[str]
    tasks: list[int]
    counts: dict[str, Any] = Field(..., description="Rows written per part of the release, once ready.")
    error: str
    files: list[ExportFileOut] = Field(..., description="Empty until the export is ready.")

    @staticmethod
    def resolve_files(obj: DatasetExport, context) -> list[dict]:
        if obj.status != DatasetExport.Status.READY:
            return []
        request = context["request"]
        return [
            {
                "path": entry["path"],
                "size": entry.get("size", 0),
                "sha256": entry.get("sha256", ""),
                "url": request.build_absolute_uri(
                    reverse("api-v1:organizer_export_file", kwargs={"export_id": obj.pk, "path": entry["path"]})
                ),
            }
            for entry in obj.files
        ]


@router.get(
    "/organizers/exports",
    response={200: list[ExportOut], **FORBIDDEN},
    summary="Dataset exports, newest first",
)
@paginate(ApiPagination, page_size=20, max_page_size=100)
def export_list(request: HttpRequest):
    _ensure_organizer(request)
    return dataset_exports()


@router.get(
    "/organizers/exports/{int:export_id}",
    response={200: ExportOut, **FORBIDDEN},
    summary="A dataset export's status and files",
)
def export_detail(request: HttpRequest, export_id: int):
    _ensure_organizer(request)
    export = dataset_exports().filter(pk=export_id).first()
    if export is None:
        raise NotFound()
    return export


@router.get(
    "/organizers/exports/{int:export_id}/files/{path:path}",
    url_name="organizer_export_file",
    response=FORBIDDEN,
    summary="A file of a ready dataset export",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file (local storage).",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            "302": {
                "description": "On S3 storage: a redirect to a signed URL, valid for 15 minutes.",
                "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
            },
        }
    },
)
def export_file(request: HttpRequest, export_id: int, path: str):
    _ensure_organizer(request)
    return export_file_response(export_id=export_id, path=path)


# --- The ledger ---------------------------------------------------------------------------------------


@router.get(
    "/organizers/ledger.csv",
    response=FORBIDDEN,
    summary="Every ledger entry, as CSV (the organizers' page's download)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "UTF-8 CSV with a header row: "
                + ", ".join(f"`{name}`" for name in points_selectors.LEDGER_EXPORT_HEADER)
                + ".",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def ledger_csv(request: HttpRequest):
    _ensure_organizer(request)
    return csv_response("ledger.csv", points_selectors.LEDGER_EXPORT_HEADER, points_selectors.ledger_for_export())
