from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "contributions"
    verbose_name = "Contributions"

    def ready(self) -> None:
        from campaign.events import register_credit_source, register_pending_source
        from contributions.credit import (
            accepted_images_as_events,
            accepted_images_as_rows,
            pending_images_as_events,
        )
        from contributions.services import IMAGE_SOURCE

        register_credit_source(
            "images", accepted_images_as_events, as_rows=accepted_images_as_rows, covers=(IMAGE_SOURCE,)
        )

        # The bulk import's Celery tasks and admin live beside the app's own modules; loaded here.
        import contributions.bulk_admin  # noqa: F401
        import contributions.bulk_tasks  # noqa: F401

        register_pending_source("images", pending_images_as_events)
