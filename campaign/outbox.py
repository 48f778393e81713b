"""The transactional outbox of decisions: written with the decision, delivered after it, swept if late.

`campaign.events.publish` calls `outbox_event_write` inside the deciding transaction. Once that commits
the delivery is queued (`campaign.deliver_outbox_event`, by id); a broker error there is logged, never
raised to the person who decided. `outbox_event_deliver` sends `contribution_event` to the subscribers
(points applies the event to the ledger, whose constraints make a second apply harmless) and marks the
row delivered in the same transaction, so an apply that fails (the database lost mid-way) leaves the
row waiting: the task retries it, and the beat's minute sweep (`outbox_events_deliver_waiting`) delivers
whatever is still waiting after OUTBOX_SWEEP_AFTER_SECONDS.
"""

import logging
from datetime import timedelta

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


def outbox_events_written(ids) -> None:
    """Rows a statement (or several) wrote in the caller's transaction: their delivery queued for when that
    commits, as `outbox_event_write` queues its row's, in one message for them all (None ids are skipped)."""
    from campaign.tasks import deliver_outbox_events, enqueue_on_commit

    ids = [outbox_id for outbox_id in ids if outbox_id is not None]
    if ids:
        enqueue_on_commit(deliver_outbox_events, ids)


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


def outbox_events_deliver_waiting(*, older_than_seconds: int | None = None, limit: int = 500) -> dict:
    """The beat's sweep: deliver here, one by one, the events still waiting; forget old delivered ones.

    A row whose subscriber fails is counted and left for the next sweep; a database error stops the
    sweep (the next one, a minute later, starts again)."""
    delivered = failed = 0
    for outbox_id in outbox_events_waiting(older_than_seconds=older_than_seconds, limit=limit):
        try:
            outcome = outbox_event_deliver(outbox_id=outbox_id)
        except DatabaseError:
            raise
        except Exception:
            logger.exception("Outbox event %s could not be delivered; the next sweep tries again", outbox_id)
            failed += 1
            continue
        delivered += outcome == "delivered"
    forgotten, _by_model = OutboxEvent.objects.filter(
        delivered_at__lt=timezone.now() - timedelta(days=keep_delivered_days())
    ).delete()
    if delivered or failed:
        logger.info("Outbox sweep: %s delivered, %s failed", delivered, failed)
    return {"delivered": delivered, "failed": failed, "forgotten": forgotten}
