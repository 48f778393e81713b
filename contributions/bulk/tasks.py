"""Celery tasks of the bulk import: they take ids and call the services."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from contributions.bulk.processing import (
    bulk_archives_sweep_orphans,
    bulk_import_process,
    bulk_imports_requeue_stale,
)

# Seconds of work per task run, well under the worker's soft time limit; the task then queues itself
# again, so an import of 2,000 rows never hits a time limit and other work gets a turn.
TIME_BUDGET = 120


@shared_task(
    name="contributions.process_bulk_import",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    default_retry_delay=30,
    ignore_result=True,
)
def process_bulk_import(self, import_id: int) -> None:
    try:
        finished = bulk_import_process(import_id=import_id, time_budget=TIME_BUDGET)
    except SoftTimeLimitExceeded:
        finished = False
    except (OperationalError, OSError) as error:  # database or storage away for a moment
        raise self.retry(exc=error) from error
    if not finished:
        process_bulk_import.delay(import_id)


@shared_task(name="contributions.requeue_stale_bulk_imports", ignore_result=True)
def requeue_stale_bulk_imports() -> list[int]:
    """Also removes stored archives that no import points to."""
    bulk_archives_sweep_orphans()
    return bulk_imports_requeue_stale()
