from celery import shared_task

from review.queue import lease_expire_sweep, review_item_open, review_items_close_stale, review_items_sync


@shared_task(name="review.open_item", ignore_result=True, acks_late=True, max_retries=3)
def open_review_item(submission_id: int) -> None:
    """Queue one image that entered review (idempotent; the image check worker may enqueue it)."""
    review_item_open(submission_id=submission_id)


@shared_task(name="review.maintain_queue", ignore_result=True)
def maintain_review_queue() -> dict:
    """Every minute (beat): queue images in review that have no queue row, close rows of images that left
    review, and return the slots of abandoned leases."""
    return {
        "queued": review_items_sync(),
        "closed": review_items_close_stale(),
        "leases_returned": lease_expire_sweep(),
    }
