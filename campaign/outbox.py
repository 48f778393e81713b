"""The transactional outbox of decisions: written with the decision, delivered after it, swept if late.

`campaign.events.publish` calls `outbox_event_write` inside the deciding transaction. Once that commits
the delivery is queued (`campaign.deliver_outbox_event`, by id; a hot path's rows, `outbox_events_written`,
through one debounced run that delivers every recent row); a broker error there is logged, never raised
to the person who decided. `outbox_event_deliver` sends `contribution_event` to the subscribers
(points applies the event to the ledger, whose constraints make a second apply harmless) and marks the
row delivered in the same transaction, so an apply that fails (the database lost mid-way) leaves the
row waiting: the task retries it, and the beat's minute sweep (`outbox_events_deliver_waiting`) delivers
whatever is still waiting after OUTBOX_SWEEP_AFTER_SECONDS.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from campaign.events import ContributionEvent, contribution_event, event_from_payload
from campaign.models import OutboxEvent

logger = logging.getLogger(__name__)


def sweep_after_seconds() -> int:
    """How old an undelivered row must be before the sweep takes it (the queued delivery's head start)."""
    return int(getattr(settings, "OUTBOX_SWEEP_AFTER_SECONDS", 30))


def keep_delivered_days() -> int:
    return int(getattr(settings, "OUTBOX_KEEP_DELIVERED_DAYS", 30))


def outbox_event_write(payload: dict) -> OutboxEvent:
    """In the caller's transaction: the row, and its delivery queued for when (if) that commits."""
    from campaign.tasks import deliver_outbox_event, enqueue_on_commit

    row = OutboxEvent.objects.create(payload=payload)
    enqueue_on_commit(deliver_outbox_event, row.pk)
    return row


# The columns of an outbox row written by a statement of its own (a hot path that writes the decision and
# its event in one round trip): `INSERT INTO campaign_outboxevent OUTBOX_COLUMNS SELECT <payload>,
# <created_at>, OUTBOX_DEFAULTS ...`; it then hands the ids to `outbox_events_written`.
OUTBOX_COLUMNS = "(payload, created_at, delivered_at, attempts, last_error)"
OUTBOX_DEFAULTS = "NULL, 0, ''"


# How long a queued run of the debounced delivery counts as pending: a run whose message was lost stops
# others from being queued this long at most (the sweep delivers meanwhile).
DELIVERY_PENDING_SECONDS = 10


def outbox_events_written(ids) -> None:
    """Rows a statement (or several) wrote in the caller's transaction (a hot path: an answer): their
    delivery queued for when that commits (None ids are skipped).

    With a Redis broker, one command: a run of `campaign.deliver_recent_outbox_events` is queued unless one
    is already pending, which then delivers these rows too (`campaign.tasks.enqueue_unless_pending`). Else
    one message for these rows (`campaign.deliver_outbox_events`; eager tasks deliver them here)."""
    ids = [outbox_id for outbox_id in ids if outbox_id is not None]
    if ids:
        transaction.on_commit(partial(_deliveries_queue, ids))


def _deliveries_queue(ids: list[int]) -> None:
    from campaign.tasks import (
        deliver_outbox_events,
        deliver_recent_outbox_events,
        enqueue,
        enqueue_unless_pending,
    )

    if enqueue_unless_pending(deliver_recent_outbox_events, pending_seconds=DELIVERY_PENDING_SECONDS) is None:
        enqueue(deliver_outbox_events, ids)


def outbox_event_deliver(*, outbox_id: int) -> str:
    """Hand one waiting event to the subscribers and mark it delivered, both or neither.

    Returns what happened, for the log. A row another process is delivering right now is left to it
    ("busy"); a subscriber's error propagates (the task retries it) after the attempt is counted."""
    try:
        with transaction.atomic():
            row = OutboxEvent.objects.select_for_update(skip_locked=True).filter(pk=outbox_id).first()
            if row is None:
                exists = OutboxEvent.objects.filter(pk=outbox_id).exists()
                return "busy" if exists else "missing"
            if row.delivered_at is not None:
                return "already delivered"
            contribution_event.send(sender=ContributionEvent, event=event_from_payload(row.payload))
            row.delivered_at = timezone.now()
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["delivered_at", "attempts", "last_error"])
    except Exception as error:
        _count_failed_attempt(outbox_id, error)
        raise
    return "delivered"


def _count_failed_attempt(outbox_id: int, error: Exception) -> None:
    if transaction.get_connection().needs_rollback:
        return  # inside an outer transaction that is failing: nothing can be written now
    try:
        OutboxEvent.objects.filter(pk=outbox_id, delivered_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
    except DatabaseError:  # the database is the one away: the attempt goes uncounted, the row waits
        logger.warning("Could not count the failed delivery of outbox event %s", outbox_id)


def outbox_events_waiting(*, older_than_seconds: int | None = None, limit: int = 500) -> list[int]:
    seconds = sweep_after_seconds() if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    return list(
        OutboxEvent.objects.filter(delivered_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def _deliver_each(outbox_ids) -> tuple[int, int]:
    """Deliver the rows one by one: (delivered, failed). A subscriber's failure is logged and counted, its
    row left waiting for a later run or sweep; a database error propagates (the caller stops)."""
    delivered = failed = 0
    for outbox_id in outbox_ids:
        try:
            outcome = outbox_event_deliver(outbox_id=outbox_id)
        except DatabaseError:
            raise
        except Exception:
            logger.exception("Outbox event %s could not be delivered; a later run or sweep tries again", outbox_id)
            failed += 1
            continue
        delivered += outcome == "delivered"
    return delivered, failed


def outbox_events_deliver_recent(*, limit: int = 500) -> dict:
    """The debounced delivery's work: every row still waiting that is younger than the sweep's age (older
    ones are the sweep's), oldest id first, each once per run. A subscriber's failure is counted and left
    (its row waits for the next run or the sweep); a database error stops the run (the task retries it)."""
    cutoff = timezone.now() - timedelta(seconds=sweep_after_seconds())
    delivered = failed = 0
    after = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(delivered_at__isnull=True, created_at__gt=cutoff, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        delivered_now, failed_now = _deliver_each(ids)
        delivered, failed = delivered + delivered_now, failed + failed_now
        if len(ids) < limit:
            return {"delivered": delivered, "failed": failed}
        after = ids[-1]


def outbox_events_deliver_waiting(*, older_than_seconds: int | None = None, limit: int = 500) -> dict:
    """The beat's sweep: deliver here, one by one, the events still waiting; forget old delivered ones.

    A row whose subscriber fails is counted and left for the next sweep; a database error stops the
    sweep (the next one, a minute later, starts again)."""
    delivered, failed = _deliver_each(outbox_events_waiting(older_than_seconds=older_than_seconds, limit=limit))
    forgotten, _by_model = OutboxEvent.objects.filter(
        delivered_at__lt=timezone.now() - timedelta(days=keep_delivered_days())
    ).delete()
    if delivered or failed:
        logger.info("Outbox sweep: %s delivered, %s failed", delivered, failed)
    return {"delivered": delivered, "failed": failed, "forgotten": forgotten}
