from celery import shared_task
from django.db import InterfaceError, OperationalError

from points.ledger import ledger_apply_event
from points.recompute import points_recompute


@shared_task(
    acks_late=True,
    autoretry_for=(ConnectionError, OperationalError, InterfaceError),
    max_retries=8,
    retry_backoff=True,
    retry_backoff_max=60,
)
def apply_contribution_event(payload: dict) -> str:
    """Credit or reverse one decision given as values (by hand, or messages queued before the outbox:
    published decisions now reach the ledger through `campaign.outbox`). Safe to run twice."""
    return ledger_apply_event(payload=payload)


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def recompute_points_weekly() -> dict:
    result = points_recompute()
    return {
        "events": result.events,
        "corrections": result.corrections,
        "snapshot": result.snapshot.pk if result.snapshot else None,
        "published": result.snapshot_published,
    }
