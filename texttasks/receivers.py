"""What the text tasks hear from other apps and lend to the points ledger, connected once at start-up
by `TexttasksConfig.ready`: the credit and pending sources of Tasks 3 to 6, and Task 1's take-downs,
which leave Task 4's pool.
"""

from campaign.events import register_credit_source, register_pending_source
from contributions.signals import image_removed
from texttasks.credit import accepted_texts_as_events, accepted_texts_as_rows, pending_texts_as_events
from texttasks.models import TASK_MODELS
from texttasks.pool import pool_image_drop_submission


def connect() -> None:
    """Register the sources and connect the receivers (again is harmless: same names, same uid)."""
    register_credit_source(
        "text",
        accepted_texts_as_events,
        as_rows=accepted_texts_as_rows,
        covers=tuple(f"texttasks.{model._meta.model_name}" for model in TASK_MODELS.values()),
    )
    register_pending_source("text", pending_texts_as_events)
    image_removed.connect(drop_from_pool, dispatch_uid="texttasks-drop-removed-image")


def drop_from_pool(sender, *, submission_id: int, **kwargs) -> None:
    """An organizer took a Task 1 image down (or its contributor withdrew it): no new questions on it."""
    pool_image_drop_submission(submission_id=submission_id)
