"""The transactional outbox: a decision and the promise to credit it commit together, and the credit
arrives exactly once whatever fails in between (broker, database, a second delivery)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from campaign.events import EventKind, contribution_event
from campaign.models import OutboxEvent
from campaign.outbox import outbox_event_deliver, outbox_events_deliver_waiting
from campaign.tasks import deliver_outbox_event, deliver_waiting_outbox_events
from contributions.decisions import image_submission_decide
from points.models import LedgerEntry
from tests.outages import broker_unreachable

pytestmark = pytest.mark.django_db


def credits_of(submission):
    return list(
        LedgerEntry.objects.filter(source="contributions.imagesubmission", source_id=submission.pk).values_list(
            "kind", "points"
        )
    )


@pytest.fixture
def decide_offline(image_in_review, django_capture_on_commit_callbacks):
    """An image built while the broker is up (its hand-off queues it), then decided with it down."""

    def decide(contributor):
        submission = image_in_review(contributor, ("ID",))
        with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
            image_submission_decide(submission_id=submission.pk, accepted=True)
        submission.refresh_from_db()
        return submission

    return decide


def age_outbox(seconds: int = 120) -> None:
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_a_decision_writes_its_event_in_the_same_transaction_and_delivery_credits_it(
    contributor, decide_image, confirmed_points
):
    submission = decide_image(contributor)
    row = OutboxEvent.objects.get()
    assert row.payload["kind"] == EventKind.ACCEPTED and row.payload["source_id"] == submission.pk
    assert row.delivered_at is not None and row.attempts == 1
    assert len(credits_of(submission)) == 1 and confirmed_points(contributor) > 0


def test_a_rolled_back_decision_leaves_no_outbox_row_and_no_credit(contributor, image_in_review):
    submission = image_in_review(contributor)
    with pytest.raises(RuntimeError), transaction.atomic():
        image_submission_decide(submission_id=submission.pk, accepted=True)
        assert OutboxEvent.objects.count() == 1  # written with the decision...
        raise RuntimeError("the deciding request failed after the decision")
    assert OutboxEvent.objects.count() == 0  # ...and gone with it
    assert credits_of(submission) == []


def test_broker_down_at_decision_the_row_waits_and_the_sweep_credits_it_once(
    contributor, image_in_review, django_capture_on_commit_callbacks, confirmed_points
):
    submission = image_in_review(contributor)
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        image_submission_decide(submission_id=submission.pk, accepted=True)  # does not raise
    submission.refresh_from_db()
    assert submission.status == "accepted"
    row = OutboxEvent.objects.get()
    assert row.delivered_at is None and credits_of(submission) == []

    # Too young for the sweep: its own queued delivery may still be on the way.
    assert outbox_events_deliver_waiting()["delivered"] == 0
    age_outbox()
    assert deliver_waiting_outbox_events.delay().get() == {"delivered": 1, "failed": 0, "forgotten": 0}
    assert deliver_waiting_outbox_events.delay().get()["delivered"] == 0  # the next minute: nothing left
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert [kind for kind, _points in credits_of(submission)] == [LedgerEntry.Kind.CREDIT]
    assert confirmed_points(contributor) > 0


def test_a_row_delivered_twice_credits_once(contributor, decide_image):
    submission = decide_image(contributor)
    row = OutboxEvent.objects.get()
    assert outbox_event_deliver(outbox_id=row.pk) == "already delivered"
    # Even forced through again (a crash after the apply, before "delivered" was seen), the ledger holds.
    OutboxEvent.objects.filter(pk=row.pk).update(delivered_at=None)
    assert deliver_outbox_event.delay(row.pk).get() == "delivered"
    assert deliver_outbox_event.delay(row.pk).get() == "already delivered"
    assert len(credits_of(submission)) == 1


def test_a_failing_subscriber_leaves_the_row_waiting_with_its_error_for_the_sweep(contributor, decide_offline):
    calls = []

    def fails_once(sender, event, **kwargs):
        calls.append(event)
        if len(calls) == 1:
            raise ValueError("subscriber broke")

    contribution_event.connect(fails_once, dispatch_uid="outbox-fails-once")
    try:
        submission = decide_offline(contributor)  # the queued delivery never happens
        age_outbox()
        assert outbox_events_deliver_waiting() == {"delivered": 0, "failed": 1, "forgotten": 0}
        row = OutboxEvent.objects.get()
        assert row.delivered_at is None and row.attempts == 1 and "subscriber broke" in row.last_error
        assert credits_of(submission) == []  # the credit rolled back with the failed delivery
        assert outbox_events_deliver_waiting()["delivered"] == 1
    finally:
        contribution_event.disconnect(dispatch_uid="outbox-fails-once")
    assert len(credits_of(submission)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_lost_while_applying_is_retried_and_credits_once(contributor, decide_image):
    """The worker's connection dies after points applied the event, before the delivery committed: the
    whole delivery rolls back, Celery retries it (autoretry with backoff), and it credits once.

    Eager Celery retries in place when it does not propagate errors (as a worker does, minus the wait)."""
    from seavl_portal.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    lost = []

    def database_lost_once(sender, event, **kwargs):
        if not lost:
            lost.append(event)
            with connection.cursor() as cursor:  # the server ends this connection, as in a restart
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    contribution_event.connect(database_lost_once, dispatch_uid="outbox-db-lost")
    try:
        submission = decide_image(contributor)
    finally:
        contribution_event.disconnect(dispatch_uid="outbox-db-lost")
        app.conf.task_eager_propagates = propagates
    assert lost, "the connection was not lost"
    row = OutboxEvent.objects.get()
    assert row.delivered_at is not None and row.attempts == 2
    assert [kind for kind, _points in credits_of(submission)] == [LedgerEntry.Kind.CREDIT]


def test_beat_runs_the_outbox_sweep_and_the_pending_check_sweep_every_minute():
    for task_name in ("campaign.deliver_waiting_outbox_events", "contributions.requeue_pending_image_checks"):
        task = PeriodicTask.objects.get(task=task_name)
        assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")


def test_old_delivered_rows_are_forgotten_and_waiting_ones_never(
    contributor, decide_image, decide_offline, settings
):
    decide_image(contributor)
    decide_offline(contributor)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(days=40))
    OutboxEvent.objects.filter(delivered_at__isnull=False).update(delivered_at=timezone.now() - timedelta(days=31))
    result = outbox_events_deliver_waiting()
    assert result["delivered"] == 1 and result["forgotten"] == 1
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 0
