from celery import shared_task

from organizers.services import dataset_export_run, dataset_exports_requeue_queued


@shared_task(
    acks_late=True,
    time_limit=6 * 3600,
    soft_time_limit=6 * 3600 - 60,
    autoretry_for=(ConnectionError, TimeoutError),
    max_retries=3,
    retry_backoff=True,
)
def run_dataset_export(export_id: int) -> str:
    """Write one dataset export; a redelivered message for a finished export does nothing."""
    return dataset_export_run(export_id=export_id).status


@shared_task(name="organizers.requeue_queued_exports", ignore_result=True)
def requeue_queued_exports() -> list[int]:
    return dataset_exports_requeue_queued()
