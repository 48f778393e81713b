"""The ledger: a decision's credit, its reversal, the decisions remembered, and the Celery hand-off.

Every published decision (`campaign.events.publish`: an outbox row, delivered after commit by the worker
or the minute sweep, `campaign.outbox`) reaches `ledger_apply_event` through `points.receivers`; each record is credited once per generation (a database constraint), a reversal takes back
its net and opens the next generation. Corrections are written by the weekly recomputation
(`points.recompute`).
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.errors import Conflict, DomainError
from campaign.events import EventKind
from points.models import DecisionRecord, LedgerEntry
from points.reasons import AWARD_RULE, CREDITED, NO_LONGER_COUNTS, record_label
from points.rules import Award, RuleBook
from points.selectors import ledger_generation_of

logger = logging.getLogger(__name__)


class AlreadyCredited(Conflict):
    code = "already_credited"
    default_message = gettext_lazy("This contribution is already credited.")


class AlreadyReversed(Conflict):
    code = "already_reversed"
    default_message = gettext_lazy("This credit is already taken back.")


def _award_text(award: Award) -> str:
    return _(AWARD_RULE) % {
        "group": award.points_group,
        "date": timezone.localtime(award.rule_effective_from).date().isoformat(),
    }


@transaction.atomic
def ledger_credit_event(
    *,
    contributor_id: int,
    task_number: int,
    source: str,
    source_id: int,
    occurred_at: datetime,
    country_codes: Iterable[str] = (),
    language_code: str = "",
    reason: str = "",
    book: RuleBook | None = None,
) -> LedgerEntry:
    """Credit an accepted submission or a counted rating, once: a second credit raises AlreadyCredited."""
    book = book or RuleBook.load()
    award = book.award(
        task_number=task_number,
        occurred_at=occurred_at,
        country_codes=tuple(country_codes),
        language_code=language_code,
    )
    if award is None:
        raise DomainError(
            _("No point rule applies to task %(task)s.") % {"task": task_number}, code="no_rule"
        )
    generation = ledger_generation_of(source=source, source_id=source_id)
    already = LedgerEntry.objects.filter(source=source, source_id=source_id, generation=generation)
    if already.filter(kind=LedgerEntry.Kind.CREDIT).exists():
        raise AlreadyCredited()
    corrected = already.aggregate(total=Sum("points"))["total"] or Decimal("0")
    if corrected > 0 and corrected >= award.points:
        # The weekly recomputation already put these points in (the event came late).
        raise AlreadyCredited(_("This contribution is already credited by a correction."))
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's words; pages translate them
        text = _(CREDITED) % {
            "record": record_label(source, source_id),
            "points": award.points,
            "rule": _award_text(award),
        }
    if reason:
        text = f"{reason} ({text})"
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                contributor_id=contributor_id,
                task_number=task_number,
                source=source,
                source_id=source_id,
                kind=LedgerEntry.Kind.CREDIT,
                generation=generation,
                points=award.points - max(corrected, Decimal("0")),
                points_group=award.points_group,
                rule_id=award.rule_id,
                reason=text,
                occurred_at=occurred_at,
            )
    except IntegrityError as error:
        raise AlreadyCredited() from error


@transaction.atomic
def ledger_reverse_event(
    *, source: str, source_id: int, occurred_at: datetime, reason: str = ""
) -> LedgerEntry | None:
    """Take back what a record earned (its net in the current generation); None when nothing is credited."""
    generation = ledger_generation_of(source=source, source_id=source_id)
    current = LedgerEntry.objects.filter(source=source, source_id=source_id, generation=generation)
    net = current.aggregate(total=Sum("points"))["total"] or Decimal("0")
    if net <= 0:
        return None
    last = current.order_by("-created_at", "-id").first()
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's words; pages translate them
        text = reason or _(NO_LONGER_COUNTS) % {"record": record_label(source, source_id)}
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                contributor_id=last.contributor_id,
                task_number=last.task_number,
                source=source,
                source_id=source_id,
                kind=LedgerEntry.Kind.REVERSAL,
                generation=generation,
                points=-net,
                points_group=last.points_group,
                rule_id=last.rule_id,
                reason=text,
                occurred_at=occurred_at,
            )
    except IntegrityError as error:
        raise AlreadyReversed() from error


def decision_record(
    *, contributor_id: int, task_number: int, source: str, source_id: int, kind: str, occurred_at: datetime
) -> bool:
    """Remember a decision (the organizers' accepted/rejected rates); False when it was heard before."""
    try:
        with transaction.atomic():
            DecisionRecord.objects.create(
                contributor_id=contributor_id,
                task_number=task_number,
                source=source,
                source_id=source_id,
                kind=kind,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def ledger_apply_event(*, payload: dict) -> str:
    """What the Celery task runs for one published decision; returns what happened, for the log.

    The decision is remembered in the same transaction as its ledger entry, so a redelivered message
    (same record, kind and moment) changes nothing, even after the record was re-accepted since.
    """
    occurred_at = parse_datetime(payload["occurred_at"])
    first_time = decision_record(
        contributor_id=payload["contributor_id"],
        task_number=payload["task_number"],
        source=payload["source"],
        source_id=payload["source_id"],
        kind=payload["kind"],
        occurred_at=occurred_at,
    )
    if not first_time:
        return "already applied"
    kind = payload["kind"]
    if kind in (EventKind.ACCEPTED, EventKind.COUNTED):
        try:
            ledger_credit_event(
                contributor_id=payload["contributor_id"],
                task_number=payload["task_number"],
                source=payload["source"],
                source_id=payload["source_id"],
                occurred_at=occurred_at,
                country_codes=tuple(payload.get("country_codes") or ()),
                language_code=payload.get("language_code") or "",
                reason=payload.get("reason") or "",
            )
        except AlreadyCredited:
            return "already credited"
        except DomainError as error:  # no rule for this task: nothing to credit, the log says why
            logger.warning("not credited: %s (%s)", error.message, payload)
            return error.code
        return "credited"
    if kind in (EventKind.REVERSED, EventKind.REJECTED):
        try:
            entry = ledger_reverse_event(
                source=payload["source"],
                source_id=payload["source_id"],
                occurred_at=occurred_at,
                reason=payload.get("reason") or "",
            )
        except AlreadyReversed:
            return "already reversed"
        return "reversed" if entry else "nothing to reverse"
    return "ignored"
