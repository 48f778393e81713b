"""Reads of the points: the leaderboard page, a contributor's own points and claims, the ledger's state
for its writers, organizers' views and exports."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache as once

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.base import ModelState
from django.db.models.functions import Rank
from django.utils import timezone

from accounts.models import Profile
from campaign.events import pending_sources
from campaign.models import Country
from campaign.prepared import prepared_fetchall
from points.models import (
    COAUTHORSHIP_THRESHOLD,
    TASK_NUMBERS,
    THRESHOLDS,
    Certificate,
    CoauthorshipClaim,
    DecisionRecord,
    LeaderboardRow,
    LeaderboardSnapshot,
    LedgerEntry,
    MerchandiseClaim,
)
from points.rules import RuleBook

LEADERBOARD_PAGE_SIZE = 50


@dataclass
class LeaderboardPage:
    snapshot: LeaderboardSnapshot | None
    rows: list[LeaderboardRow]
    number: int
    num_pages: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _latest_snapshot_query() -> QuerySet:
    return LeaderboardSnapshot.objects.order_by("-as_of", "-id")[:1]


@once
def _latest_snapshot_sql() -> tuple[str, tuple]:
    """The ORM's statement for the latest snapshot, compiled once (every leaderboard page asks for it; its
    compilation cost as much as running it)."""
    return _latest_snapshot_query().query.sql_with_params()


_SNAPSHOT_FIELDS = LeaderboardSnapshot._meta.concrete_fields


def latest_snapshot() -> LeaderboardSnapshot | None:
    """`LeaderboardSnapshot.objects.order_by("-as_of", "-id").first()`: its statement compiled once and
    prepared on the connection (every leaderboard page asks), each field converted as the ORM converts it
    (the counts are a dict). SQLite (the embedded default): the ORM, which converts its texts."""
    if connection.vendor != "postgresql":
        return _latest_snapshot_query().first()
    sql, params = _latest_snapshot_sql()
    rows = prepared_fetchall(sql, list(params))
    if not rows:
        return None
    values = [_converted(field, value) for field, value in zip(_SNAPSHOT_FIELDS, rows[0], strict=True)]
    return _from_db(LeaderboardSnapshot, [field.attname for field in _SNAPSHOT_FIELDS], [values])[0]


def _converted(field, value):
    converter = getattr(field, "from_db_value", None)
    return value if converter is None else converter(value, None, connection)


def _from_db(model, names: list[str], rows) -> list:
    """`[model.from_db(alias, names, values) for values in rows]` without `Model.__init__`'s pass over
    every field's descriptor (the leaderboard builds 50 a page): the same attributes and state. Only for
    a model no `pre_init`/`post_init` receiver listens to (tests/points check)."""
    alias = connection.alias  # once: each read of Django's connection proxy is a context-local lookup
    instances = []
    for values in rows:
        instance = model.__new__(model)
        instance.__dict__.update(zip(names, values, strict=True))
        instance._state = state = ModelState()
        state.adding, state.db = False, alias
        instances.append(instance)
    return instances


def ledger_fingerprint(*, as_of: datetime) -> str:
    """What a snapshot is made of, in one hash: the last ledger entry, the last profile change (names,
    countries) and the day. The same fingerprint twice means the latest snapshot still stands."""
    ledger = LedgerEntry.objects.aggregate(last=Max("id"))
    profiles = Profile.objects.aggregate(last=Max("updated_at"))
    day = timezone.localtime(as_of).date().isoformat()
    text = f"{ledger['last']}|{profiles['last']}|{day}"
    return hashlib.sha256(text.encode()).hexdigest()


def _country_names_query() -> QuerySet:
    return Country.objects.values_list("code", "name")


@once
def _country_names_sql() -> tuple[str, tuple]:
    return _country_names_query().query.sql_with_params()


def country_names() -> dict[str, str]:
    """Country code -> its (untranslated) name, in the order the filter offers them (the model's, by
    name): `dict(Country.objects.values_list("code", "name"))`, its statement compiled once and prepared
    (every leaderboard page asks)."""
    if connection.vendor != "postgresql":
        return dict(_country_names_query())
    sql, params = _country_names_sql()
    return dict(prepared_fetchall(sql, list(params)))


def _count_key(country: str, task_number: int | None) -> str:
    if country and task_number:
        return f"{country}:task:{task_number}"
    return f"task:{task_number}" if task_number else country


def leaderboard_page_number(
    snapshot: LeaderboardSnapshot, *, country: str = "", task_number: int | None = None, page: int = 1
) -> int:
    """The page `leaderboard_page` shows for `page` (past the end, the last), from the stored counts."""
    count = int(snapshot.counts.get(_count_key(country, task_number), 0))
    return min(max(1, page), max(1, -(-count // LEADERBOARD_PAGE_SIZE)))


def leaderboard_page(
    *,
    country: str = "",
    task_number: int | None = None,
    week: bool = False,
    page: int = 1,
    snapshot: LeaderboardSnapshot | None = None,
) -> LeaderboardPage:
    """One page of the latest snapshot. A filter ranks within what it shows and sorts by what it names:
    a country's page ranks its contributors 1, 2, 3; `task=2` sorts and ranks by Task 2's points; "this
    week" sorts and ranks by the week's points, with or without the other filters. Each row carries
    `shown_rank` (ties share a rank: 1, 1, 3).

    The orders the snapshot stores (all time, a country's, the week's) are ranges of a stored position
    (an index range, no OFFSET); the others rank the filtered rows in the database (a window function
    over at most one country's or one task's rows). Counts come from the snapshot's stored counts.
    `snapshot`: the latest, when the caller has it already."""
    snapshot = snapshot or latest_snapshot()
    if snapshot is None:
        return LeaderboardPage(snapshot=None, rows=[], number=1, num_pages=1, count=0)
    count = int(snapshot.counts.get(_count_key(country, task_number), 0))
    num_pages = max(1, -(-count // LEADERBOARD_PAGE_SIZE))
    number = min(max(1, page), num_pages)
    first, last = (number - 1) * LEADERBOARD_PAGE_SIZE + 1, number * LEADERBOARD_PAGE_SIZE
    stored = None
    if not task_number and not country:
        stored = ("week_position", "week_rank") if week else ("position", "rank")
    elif not task_number and not week:
        stored = ("country_position", "country_rank")
    if stored is not None:
        position, rank = stored
        rows = _stored_rows(snapshot=snapshot, country=country, position=position, first=first, last=last)
        for row in rows:
            row.shown_rank = getattr(row, rank)
    else:
        rows = LeaderboardRow.objects.filter(snapshot=snapshot)
        if country:
            rows = rows.filter(country_code=country)
        if task_number:
            rows = rows.filter(**{f"task{task_number}__gt": 0})
        # With a task and "this week", the week's points of the task's contributors (the snapshot keeps
        # the week's total, not per task); otherwise the named task's points.
        sort = "week_points" if week else f"task{task_number}"
        rows = list(
            rows.annotate(shown_rank=Window(Rank(), order_by=F(sort).desc())).order_by(
                F(sort).desc(), "position"
            )[first - 1 : last]
        )
    return LeaderboardPage(snapshot=snapshot, rows=rows, number=number, num_pages=num_pages, count=count)


_ROW_FIELDS = LeaderboardRow._meta.concrete_fields
_STORED_POSITIONS = ("position", "country_position", "week_position")


@once
def _stored_rows_sql(*, position: str, by_country: bool) -> str:
    """The statement of a page in an order the snapshot stores: the ORM's query, written once (the ORM
    compiled it again at every page, which cost as much as running it)."""
    if position not in _STORED_POSITIONS:
        raise ValueError(position)
    columns = ", ".join(f'"{field.column}"' for field in _ROW_FIELDS)
    country = ' AND "country_code" = %s' if by_country else ""
    # The model's own column names and one of its position columns; every value is a parameter.
    table = LeaderboardRow._meta.db_table
    return (
        f'SELECT {columns} FROM "{table}" WHERE "snapshot_id" = %s{country}'  # noqa: S608
        f' AND "{position}" BETWEEN %s AND %s ORDER BY "{position}"'
    )


def _stored_rows(*, snapshot, country: str, position: str, first: int, last: int) -> list[LeaderboardRow]:
    """`LeaderboardRow.objects.filter(snapshot=, [country_code=], <position>__range=).order_by(<position>)`,
    the rows built as the ORM builds them (no column of the model needs a converter: integers, decimals
    and text; tests/points hold the two to the same rows, every field)."""
    params = [snapshot.pk, *([country] if country else []), first, last]
    sql = _stored_rows_sql(position=position, by_country=bool(country))
    if connection.vendor == "postgresql":
        values = prepared_fetchall(sql, params)  # planned once per connection: a new table's main read
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            values = cursor.fetchall()
    names = [field.attname for field in _ROW_FIELDS]
    return _from_db(LeaderboardRow, names, values)


@dataclass
class TaskPoints:
    task_number: int
    confirmed: Decimal = Decimal("0")
    pending: Decimal = Decimal("0")
    pending_count: int = 0


@dataclass
class OwnPoints:
    confirmed: Decimal
    pending: Decimal
    per_task: list[TaskPoints] = field(default_factory=list)
    next_threshold: Decimal | None = None
    to_next_threshold: Decimal | None = None
    snapshot_row: LeaderboardRow | None = None


def pending_events_of(*, contributor_id: int) -> Iterator:
    for _name, source in sorted(pending_sources().items()):
        yield from source(contributor_id=contributor_id)


def own_points(*, user) -> OwnPoints:
    """Live: confirmed points from the ledger, pending points from the records not decided yet."""
    per_task = {number: TaskPoints(task_number=number) for number in TASK_NUMBERS}
    confirmed = (
        LedgerEntry.objects.filter(contributor=user)
        .values("task_number")
        .annotate(total=Sum("points"))
        .order_by()
    )
    for row in confirmed:
        per_task.setdefault(row["task_number"], TaskPoints(task_number=row["task_number"])).confirmed = row[
            "total"
        ]
    pending_events = list(pending_events_of(contributor_id=user.pk))
    if pending_events:
        book = RuleBook.load()
        for event in pending_events:
            award = book.award(
                task_number=event.task_number,
                occurred_at=event.occurred_at,
                country_codes=event.country_codes,
                language_code=event.language_code,
            )
            entry = per_task.setdefault(event.task_number, TaskPoints(task_number=event.task_number))
            entry.pending_count += 1
            entry.pending += award.points if award else Decimal("0")
    total_confirmed = sum((entry.confirmed for entry in per_task.values()), Decimal("0"))
    total_pending = sum((entry.pending for entry in per_task.values()), Decimal("0"))
    result = OwnPoints(confirmed=total_confirmed, pending=total_pending, per_task=list(per_task.values()))
    for threshold in THRESHOLDS:
        if total_confirmed < threshold:
            result.next_threshold = threshold
            result.to_next_threshold = threshold - total_confirmed
            break
    snapshot = latest_snapshot()
    if snapshot is not None:
        result.snapshot_row = LeaderboardRow.objects.filter(snapshot=snapshot, contributor=user).first()
    return result


def ledger_history_of(*, user) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(contributor=user).order_by("-created_at", "-id")


def ledger_generation_of(*, source: str, source_id: int) -> int:
    """The record's current generation: how many times its credit was taken back."""
    return LedgerEntry.objects.filter(
        source=source, source_id=source_id, kind=LedgerEntry.Kind.REVERSAL
    ).count()


def confirmed_points_of(*, user) -> Decimal:
    """The contributor's confirmed points: the sum of their ledger entries."""
    return LedgerEntry.objects.filter(contributor=user).aggregate(total=Sum("points"))["total"] or Decimal(
        "0"
    )


def credited_task_numbers_of(*, user) -> list[int]:
    """The tasks in which the contributor has confirmed points, in order (for the certificate)."""
    return sorted(
        set(
            LedgerEntry.objects.filter(contributor=user)
            .values("task_number")
            .annotate(total=Sum("points"))
            .filter(total__gt=0)
            .values_list("task_number", flat=True)
        )
    )


def merchandise_claim_of(*, user) -> MerchandiseClaim | None:
    return MerchandiseClaim.objects.filter(contributor=user).first()


def coauthorship_claim_of(*, user) -> CoauthorshipClaim | None:
    return CoauthorshipClaim.objects.filter(contributor=user).first()


def certificate_by_key(*, key) -> Certificate | None:
    return Certificate.objects.filter(key=key).first()


def decision_rates() -> QuerySet:
    """Accepted (or counted) versus rejected decisions per contributor, most rejected first."""
    accepted = Q(kind__in=["accepted", "counted"])
    return (
        DecisionRecord.objects.values(
            "contributor_id", "contributor__profile__display_name", "contributor__email"
        )
        .annotate(
            accepted=Count("id", filter=accepted),
            rejected=Count("id", filter=Q(kind="rejected")),
            reversed=Count("id", filter=Q(kind="reversed")),
        )
        .order_by("-rejected", "accepted", "contributor_id")
    )


def leaderboard_rows_for_export(*, snapshot: LeaderboardSnapshot) -> Iterator[LeaderboardRow]:
    return LeaderboardRow.objects.filter(snapshot=snapshot).order_by("position").iterator(chunk_size=5_000)


# The columns of the ledger CSV (the page's download and the API's), in the order of ledger_for_export.
LEDGER_EXPORT_HEADER = [
    "id",
    "recorded_at",
    "happened_at",
    "contributor_id",
    "contributor_email",
    "task",
    "record_type",
    "record_id",
    "kind",
    "generation",
    "points",
    "points_group",
    "rule_id",
    "reason",
]


def ledger_for_export() -> Iterator[tuple]:
    return (
        LedgerEntry.objects.order_by("id")
        .values_list(
            "id",
            "created_at",
            "occurred_at",
            "contributor_id",
            "contributor__email",
            "task_number",
            "source",
            "source_id",
            "kind",
            "generation",
            "points",
            "points_group",
            "rule_id",
            "reason",
        )
        .iterator(chunk_size=5_000)
    )


def merchandise_claims() -> QuerySet[MerchandiseClaim]:
    return MerchandiseClaim.objects.select_related("contributor", "contributor__profile").order_by(
        "created_at"
    )


def coauthorship_claims() -> QuerySet[CoauthorshipClaim]:
    return CoauthorshipClaim.objects.select_related("contributor", "contributor__profile").order_by(
        "created_at"
    )


@dataclass
class EligibleContributor:
    user_id: int
    name: str
    email: str
    country: str
    points: Decimal
    claim_status: str  # "" when not claimed
    claimed_at: datetime | None
    status_changed_at: datetime | None


def eligible_contributors(*, threshold: Decimal) -> list[EligibleContributor]:
    """Who has at least `threshold` confirmed points (200: merchandise and certificate, 300:
    co-authorship), most points first, with their claim of that reward (status and date) if any. Three
    queries whatever the number of people."""
    totals = dict(
        LedgerEntry.objects.values("contributor_id")
        .annotate(total=Sum("points"))
        .filter(total__gte=threshold)
        .values_list("contributor_id", "total")
    )
    claim_model = CoauthorshipClaim if threshold >= COAUTHORSHIP_THRESHOLD else MerchandiseClaim
    claims = {claim.contributor_id: claim for claim in claim_model.objects.filter(contributor_id__in=totals)}
    names = country_names()
    rows = []
    for user in get_user_model().objects.filter(pk__in=totals).select_related("profile"):
        profile = getattr(user, "profile", None)
        code = (profile.residence_country_id if profile else "") or ""
        claim = claims.get(user.pk)
        rows.append(
            EligibleContributor(
                user_id=user.pk,
                name=(profile.display_name if profile else "") or user.get_username(),
                email=user.email,
                country=names.get(code, code),
                points=totals[user.pk],
                claim_status=claim.status if claim else "",
                claimed_at=claim.created_at if claim else None,
                status_changed_at=claim.status_changed_at if claim else None,
            )
        )
    return sorted(rows, key=lambda row: (-row.points, row.user_id))
