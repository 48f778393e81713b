"""Celery tasks of Task 1: thin wrappers that take ids and call one service."""

from celery import shared_task

from campaign.tasks import DATABASE_LOST
from contributions import pipeline, sweeps

# The bulk import's tasks live in its package; imported here so Celery's autodiscovery (which looks at
# `<app>.tasks`) registers them.
from contributions.bulk.tasks import process_bulk_import, requeue_stale_bulk_imports  # noqa: F401


@shared_task(
    name="contributions.check_image_submission",
    acks_late=True,
    reject_on_worker_lost=True,
    # Storage or database away for a moment: retried with backoff (1, 2, 4... up to 60 s), not dropped;
    # past the retries the image is still pending and the minute sweep queues it again.
    autoretry_for=(ConnectionError, OSError, *DATABASE_LOST),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def check_image_submission(submission_id: int) -> str | None:
    """Check one uploaded image. Idempotent: a submission that is no longer pending is left alone,
    and each attempt is counted first, so an image that kills its worker is rejected after a few."""
    submission = pipeline.image_submission_check(submission_id=submission_id)
    return submission.status if submission else None


@shared_task(
    name="contributions.derive_image_submission",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError, *DATABASE_LOST),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def derive_image_submission(submission_id: int) -> bool:
    """Make a checked image's missing display and thumbnail. Idempotent."""
    return pipeline.image_submission_derive(submission_id=submission_id)


@shared_task(name="contributions.requeue_pending_image_checks", ignore_result=True)
def requeue_pending_image_checks() -> int:
    """Every minute: checks left pending go back to the queue, and so do displays a worker left unmade."""
    sweeps.image_submissions_rederive_missing()
    return sweeps.image_submissions_requeue_pending()


@shared_task(name="contributions.sweep_orphan_image_files", ignore_result=True, time_limit=3600)
def sweep_orphan_image_files() -> int:
    return sweeps.stored_images_sweep_orphans()


@shared_task(name="contributions.sweep_resumable_uploads", ignore_result=True, time_limit=3600)
def sweep_resumable_uploads() -> dict:
    return sweeps.resumable_uploads_sweep()
