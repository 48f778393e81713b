"""Reads for notices: a volunteer's notices and preferences, and the facts each kind of notice reports."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from contributions.models import ImageSubmission
from notifications.models import Notice, NoticeKind, NoticePreference
from points.models import THRESHOLDS, LeaderboardRow, LeaderboardSnapshot, LedgerEntry
from texttasks.models import TASK_MODELS

# A digest lists at most this many decisions; the rest are counted ("and 12 more").
DIGEST_MAX_ITEMS = 30


def notices_of(*, user) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def notices_unread_count(*, user) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def notice_preference_of(*, user) -> NoticePreference:
    """The stored preference, or the default (every kind on) without writing a row."""
    return NoticePreference.objects.filter(user=user).first() or NoticePreference(user=user)


def campaign_day_bounds(day: date) -> tuple[datetime, datetime]:
    """A day in the campaign's time zone (TIME_ZONE, Asia/Jakarta), as aware datetimes."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def decisions_by_contributor(*, day: date) -> dict[int, list[dict]]:
    """Every accepted or rejected submission decided on ``day``, per contributor, oldest first.

    Each item: {"task", "id", "status", "label", "reasons"} with reasons stored untranslated
    (msgid + params, as `contributions.reasons`), so the digest reads in the recipient's language.
    """
    start, end = campaign_day_bounds(day)
    decided = defaultdict(list)
    images = (
        ImageSubmission.objects.filter(
            decided_at__gte=start,
            decided_at__lt=end,
            status__in=[ImageSubmission.Status.ACCEPTED, ImageSubmission.Status.REJECTED],
        )
        .order_by("decided_at", "id")
        .values_list("contributor_id", "id", "status", "description", "rejection_reasons", "decided_at")
    )
    for contributor_id, pk, status, description, reasons, decided_at in images:
        decided[contributor_id].append(
            {
                "task": 1,
                "id": pk,
                "status": status,
                "label": _shorten(description),
                "reasons": list(reasons or []) if status == "rejected" else [],
                "at": decided_at.isoformat(),
            }
        )
    for task_number, model in sorted(TASK_MODELS.items()):
        rows = (
            model.objects.filter(decided_at__gte=start, decided_at__lt=end, status__in=["accepted", "rejected"])
            .order_by("decided_at", "id")
            .values_list("contributor_id", "id", "status", "rejection_reason", "decided_at")
        )
        for contributor_id, pk, status, reason, decided_at in rows:
            decided[contributor_id].append(
                {
                    "task": task_number,
                    "id": pk,
                    "status": status,
                    "label": "",
                    "reasons": [{"code": "moderation", "message": "", "note": reason}] if reason else [],
                    "at": decided_at.isoformat(),
                }
            )
    for items in decided.values():
        items.sort(key=lambda item: (item["at"], item["task"], item["id"]))
    return dict(decided)


def confirmed_totals_at_least(minimum: Decimal) -> Iterator[tuple[int, Decimal]]:
    """(contributor id, confirmed points) for everyone whose ledger sums to at least ``minimum``."""
    rows = (
        LedgerEntry.objects.values("contributor_id")
        .annotate(total=Sum("points"))
        .filter(total__gte=minimum)
        .order_by("contributor_id")
        .values_list("contributor_id", "total")
    )
    yield from rows.iterator(chunk_size=2000)


def thresholds_reached(total: Decimal) -> list[Decimal]:
    return [threshold for threshold in THRESHOLDS if total >= threshold]


def next_threshold(total: Decimal) -> Decimal | None:
    return next((threshold for threshold in THRESHOLDS if total < threshold), None)


def snapshot_week(snapshot: LeaderboardSnapshot) -> str:
    """The ISO week a snapshot belongs to, in the campaign's time zone: one summary per week."""
    local = timezone.localtime(snapshot.as_of, timezone.get_default_timezone())
    year, week, _weekday = local.isocalendar()
    return f"{year}-W{week:02d}"


def snapshot_rows(snapshot: LeaderboardSnapshot) -> Iterator[LeaderboardRow]:
    return (
        LeaderboardRow.objects.filter(snapshot=snapshot)
        .only("contributor_id", "rank", "total", "week_points")
        .order_by("position")
        .iterator(chunk_size=2000)
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def digest_kind_label(kind: str) -> str:
    return NoticeKind(kind).label
