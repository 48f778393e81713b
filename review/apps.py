from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        from campaign.events import register_credit_source
        from review.credit import counted_ratings_as_events, counted_ratings_as_rows
        from review.services import RATING_SOURCE

        register_credit_source(
            "ratings", counted_ratings_as_events, as_rows=counted_ratings_as_rows, covers=(RATING_SOURCE,)
        )

        from contributions.signals import image_entered_review, image_removed

        image_entered_review.connect(_queue_image, dispatch_uid="review-open-item")
        image_removed.connect(_close_item, dispatch_uid="review-close-item")


def _queue_image(sender, *, submission_id: int, **kwargs) -> None:
    from review.tasks import open_review_item

    open_review_item.delay(submission_id)


def _close_item(sender, *, submission_id: int, **kwargs) -> None:
    from review.services import review_item_close

    review_item_close(submission_id=submission_id)
