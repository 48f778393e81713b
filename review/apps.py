from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        from campaign.events import register_credit_source
        from review.credit import counted_ratings_as_events

        register_credit_source("ratings", counted_ratings_as_events)
