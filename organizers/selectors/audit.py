"""The audit log as organizers read it: the portal's own events and the admin's log, filtered."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.admin.models import LogEntry
from django.db.models import Q, QuerySet

from campaign.times import campaign_zone
from organizers.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    """What an organizer narrows the log to; every field is optional. Dates are campaign days
    (Asia/Jakarta), both inclusive; `actor` matches an e-mail or a display name; `action` is a dotted verb
    or its prefix ("task." for every task action); `target` is a target type ("campaign.task") or a
    `type:id` pair; `q` searches the action, the target and the details."""

    actor: str = ""
    action: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=campaign_zone())


def audit_events(filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    queryset = AuditEvent.objects.select_related("actor__profile").order_by("-created_at", "-pk")
    if filters is None:
        return queryset
    if filters.actor:
        queryset = queryset.filter(
            Q(actor__email__icontains=filters.actor)
            | Q(actor__profile__display_name__icontains=filters.actor)
        )
    if filters.action:
        action = filters.action.strip()
        queryset = (
            queryset.filter(action__startswith=action)
            if action.endswith(".")
            else queryset.filter(Q(action=action) | Q(action__startswith=f"{action}."))
        )
    if filters.target:
        target_type, _sep, target_id = filters.target.strip().partition(":")
        queryset = queryset.filter(target_type__iexact=target_type)
        if target_id:
            queryset = queryset.filter(target_id=target_id)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.q:
        q = filters.q.strip()
        queryset = queryset.filter(
            Q(action__icontains=q) | Q(target_repr__icontains=q) | Q(target_id=q) | Q(details__icontains=q)
        )
    return queryset


def audit_actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_event_rows(queryset: QuerySet[AuditEvent]):
    """CSV rows of the log (values only; the spreadsheet-safe writer neutralises formulas)."""
    for event in queryset.iterator(chunk_size=2000):
        actor = event.actor
        yield [
            event.created_at.astimezone(campaign_zone()).isoformat(timespec="seconds"),
            actor.email if actor else "",
            getattr(getattr(actor, "profile", None), "display_name", "") if actor else "",
            event.action,
            event.target_type,
            event.target_id,
            event.target_repr,
            _details_text(event.details),
        ]


def _details_text(details: dict) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


def admin_log_entries() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("user__profile", "content_type").order_by("-action_time", "-pk")
