"""What Task 2 listens to and offers: an image that enters review is queued, one removed leaves the queue at
once, and counted ratings are a credit source of the points ledger. Connected from `ReviewConfig.ready`."""

from campaign.events import register_credit_source
from contributions.signals import image_entered_review, image_removed
from review.credit import counted_ratings_as_events, counted_ratings_as_rows
from review.types import RATING_SOURCE


def queue_image(sender, *, submission_id: int, **kwargs) -> None:
    # Broker down: logged, and the minute queue maintenance (review_items_sync) queues the image.
    from campaign.tasks import enqueue
    from review.tasks import open_review_item

    enqueue(open_review_item, submission_id)


def close_item(sender, *, submission_id: int, **kwargs) -> None:
    from review.queue import review_item_close

    review_item_close(submission_id=submission_id)


def connect() -> None:
    register_credit_source(
        "ratings", counted_ratings_as_events, as_rows=counted_ratings_as_rows, covers=(RATING_SOURCE,)
    )
    image_entered_review.connect(queue_image, dispatch_uid="review-open-item")
    image_removed.connect(close_item, dispatch_uid="review-close-item")
