"""The outbox with a real Celery worker fed through Redis (not eager): the database lost while the worker
applies a decision is retried (autoretry with backoff) and credits once."""

import pytest
from django.db import connection

from campaign.events import contribution_event
from campaign.models import OutboxEvent
from points.models import LedgerEntry
from tests.celery_worker import real_worker_on_own_queue, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_worker(settings):
    """A Celery worker thread consuming a queue of its own on the suite's Redis."""
    with real_worker_on_own_queue(settings, "outbox-test"):
        yield


@pytest.fixture
def submission_in_review(contributor, image_in_review):
    """Built before the worker starts (the builder runs the upload's hand-off in-process)."""
    return image_in_review(contributor, ("ID",))


def test_the_worker_loses_the_database_mid_apply_retries_and_credits_once(submission_in_review, real_worker):
    from contributions.decisions import image_submission_decide

    lost = []

    def database_lost_once(sender, event, **kwargs):
        if not lost:
            lost.append(event)
            with connection.cursor() as cursor:  # the server ends the worker's connection
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    contribution_event.connect(database_lost_once, dispatch_uid="outbox-worker-db-lost")
    try:
        submission = image_submission_decide(submission_id=submission_in_review.pk, accepted=True)
        assert wait_for(lambda: OutboxEvent.objects.filter(delivered_at__isnull=False).exists()), (
            "the worker did not deliver the decision"
        )
    finally:
        contribution_event.disconnect(dispatch_uid="outbox-worker-db-lost")
    assert lost, "the worker's connection was not lost"
    row = OutboxEvent.objects.get()
    assert row.attempts == 2 and row.last_error == ""  # the failed attempt counted, its error cleared
    credits = LedgerEntry.objects.filter(source="contributions.imagesubmission", source_id=submission.pk)
    assert list(credits.values_list("kind", flat=True)) == [LedgerEntry.Kind.CREDIT]
