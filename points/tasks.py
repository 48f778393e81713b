from celery import shared_task

from points.ledger import ledger_apply_event
from points.recompute import points_recompute


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), max_retries=5, retry_backoff=True)
def apply_contribution_event(payload: dict) -> str:
    """Credit or reverse one published decision. Safe to run twice: the ledger's constraint decides."""
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
