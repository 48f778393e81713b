"""campaign.events' promise, checked where it can fail: a decision is heard (its Celery message sent, its
ledger row written) only once its transaction commits, and a rolled-back one leaves nothing behind, not
even a callback waiting for a commit.

These tests commit for real (transaction=True). In pytest-django's default test transaction "after
commit" never comes, and a decision rolled back inside it takes whatever it wrote to the ledger with it:
there a decision sent at once and one sent after commit look the same. Here the points task is not run
eagerly but sent through the suite's Redis broker, to a queue of the test's own: a message sent before
the commit stays there whatever the database rolls back.
"""

import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction

from contributions.models import ImageSubmission
from points.models import LedgerEntry
from tests.builders import image_services

pytestmark = pytest.mark.django_db(transaction=True)


class RedisQueue:
    """One Celery queue on the suite's Redis, read as a worker reads it."""

    def __init__(self, simple_queue, name: str):
        import redis
        from django.conf import settings

        self._queue = simple_queue
        self._redis = redis.Redis.from_url(settings.REDIS_URL)
        # kombu keeps a queue as a Redis list under the broker's key prefix (settings.py).
        self._key = f"{settings.REDIS_KEY_PREFIX}:{name}"

    def waiting(self) -> int:
        """Messages waiting in the queue (read in Redis itself: kombu's qsize() reports a queue whose
        list is empty as not found)."""
        return self._redis.llen(self._key)

    def deliver_all(self) -> list[str]:
        """Run every waiting message's task in-process, as a worker would, and acknowledge it."""
        from seavl_portal.celery import app

        names = []
        while self.waiting():
            message = self._queue.get(block=False)
            args, kwargs, _embed = message.payload
            name = message.headers["task"]
            app.tasks[name](*args, **kwargs)
            message.ack()
            names.append(name)
        return names


@contextmanager
def tasks_through_redis():
    """Celery tasks sent from here go to the real broker (not run eagerly), to a queue of this test's
    own (workers of other test runs share the Redis server but not the queue)."""
    from seavl_portal.celery import app

    name = f"points-after-commit-{uuid.uuid4().hex[:12]}"
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    with app.connection_for_read() as broker:
        queue = broker.SimpleQueue(name)  # declared first, as a worker consuming it would
        app.conf.task_always_eager, app.conf.task_default_queue = False, name
        try:
            yield RedisQueue(queue, name)
        finally:
            app.conf.task_always_eager, app.conf.task_default_queue = saved
            queue.clear()
            queue.close()


def test_a_rolled_back_decision_sends_no_message_leaves_no_callback_and_credits_nothing(
    contributor, build_image
):
    submission = build_image(contributor, countries=("ID",))

    with tasks_through_redis() as queue:
        with pytest.raises(RuntimeError), transaction.atomic():
            image_services().decide(submission_id=submission.pk, accepted=True)
            assert queue.waiting() == 0, "the decision was announced before its transaction committed"
            assert len(connection.run_on_commit) == 1  # the announcement waits for the commit
            raise RuntimeError("the request fails after the decision")

        assert connection.run_on_commit == []  # the rollback dropped it
        with transaction.atomic():  # the next transaction on this connection commits without it
            ImageSubmission.objects.filter(pk=submission.pk).update(location="Bandung")
        assert queue.waiting() == 0
        assert queue.deliver_all() == []

    assert not LedgerEntry.objects.exists()
    submission.refresh_from_db()
    assert submission.status == ImageSubmission.Status.IN_REVIEW and submission.decided_at is None


def test_a_committed_decision_sends_one_message_and_its_worker_credits_once(
    contributor, build_image, confirmed_points
):
    submission = build_image(contributor, countries=("ID",))

    with tasks_through_redis() as queue:
        image_services().decide(submission_id=submission.pk, accepted=True)  # commits (autocommit)

        assert connection.run_on_commit == []
        assert queue.waiting() == 1
        assert not LedgerEntry.objects.exists()  # not before a worker takes the message
        assert queue.deliver_all() == ["campaign.deliver_outbox_event"]  # the outbox row, delivered

    credit = LedgerEntry.objects.get()
    assert credit.contributor == contributor and credit.kind == "credit"
    assert credit.source_id == submission.pk
    assert confirmed_points(contributor) == Decimal("0.50")
