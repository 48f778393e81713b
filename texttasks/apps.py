from django.apps import AppConfig


class TexttasksConfig(AppConfig):
    name = "texttasks"
    verbose_name = "Text tasks"

    def ready(self) -> None:
        from campaign.events import register_credit_source, register_pending_source
        from texttasks.credit import accepted_texts_as_events, accepted_texts_as_rows, pending_texts_as_events
        from texttasks.models import TASK_MODELS

        register_credit_source(
            "text",
            accepted_texts_as_events,
            as_rows=accepted_texts_as_rows,
            covers=tuple(f"texttasks.{model._meta.model_name}" for model in TASK_MODELS.values()),
        )
        register_pending_source("text", pending_texts_as_events)

        from contributions.signals import image_removed

        image_removed.connect(_drop_from_pool, dispatch_uid="texttasks-drop-removed-image")


def _drop_from_pool(sender, *, submission_id: int, **kwargs) -> None:
    from texttasks.services import pool_image_drop_submission

    pool_image_drop_submission(submission_id=submission_id)
