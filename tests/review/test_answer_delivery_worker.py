"""The answers' events handed to a real Celery worker through Redis (not eager) by the debounced hand-off:
one queued delivery at a time however many answers come, every event delivered and credited once, also
those written while the broker was away (the next answer's delivery takes them, before any sweep)."""

import pytest
import redis
from django.conf import settings as django_settings
from django.db.models import Count

from campaign.models import OutboxEvent
from campaign.outbox import DELIVERY_PENDING_SECONDS
from campaign.tasks import deliver_recent_outbox_events
from points.models import LedgerEntry
from review.answers import lease_answer
from review.queue import queue_serve
from review.types import Answers
from tests.celery_worker import consuming, own_queue, wait_for
from tests.outages import broker_unreachable

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_gold")]


@pytest.fixture
def broker_queue(settings):
    """Celery as deployed (Redis, not eager) on a queue of this test's own; nothing consumes it until
    `consuming()` starts. Yields the queue's name."""
    with own_queue(settings, "answer-delivery") as queue:
        yield queue


def redis_client():
    return redis.Redis.from_url(django_settings.REDIS_URL)


def pending_flag_key() -> str:
    return f"{django_settings.REDIS_KEY_PREFIX}:pending:{deliver_recent_outbox_events.name}"


def answer(annotator) -> None:
    lease = queue_serve(annotator=annotator)
    assert lease is not None
    result = lease_answer(
        annotator=annotator, key=lease.key, answers=Answers(relevance=4, caption_fit=True, quality_ok=True)
    )
    assert result.counted


def every_event_delivered() -> bool:
    return not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


def credits_by_source() -> list[tuple[str, int]]:
    rows = LedgerEntry.objects.values("source", "source_id").annotate(n=Count("id"))
    return sorted((row["source"], row["n"]) for row in rows)


@pytest.fixture
def images_and_annotators(make_image_in_review, make_annotator):
    """Built before Celery leaves eager mode (the builders run the upload's hand-off in-process)."""
    return [make_image_in_review() for _ in range(3)], [make_annotator() for _ in range(3)]


def test_many_answers_queue_one_delivery_which_delivers_and_credits_every_event_once(
    images_and_annotators, broker_queue
):
    images, annotators = images_and_annotators
    redis_client().delete(pending_flag_key())
    for annotator in annotators:
        for _image in images:
            answer(annotator)
    # Nine ratings, three of them deciding: twelve events, one queued delivery, pending for a while only.
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 12
    assert redis_client().llen(f"{django_settings.REDIS_KEY_PREFIX}:{broker_queue}") == 1
    assert 0 < redis_client().ttl(pending_flag_key()) <= DELIVERY_PENDING_SECONDS

    with consuming(broker_queue):
        assert wait_for(every_event_delivered), "the worker did not deliver every event"
        assert wait_for(lambda: not redis_client().exists(pending_flag_key()))
        answer_after = annotators[0]
        assert queue_serve(annotator=answer_after) is None  # nothing left to rate: every image decided
    assert credits_by_source() == [("contributions.imagesubmission", 1)] * 3 + [("review.rating", 1)] * 9


def test_events_written_while_the_broker_was_away_go_with_the_next_answers_delivery(
    images_and_annotators, broker_queue
):
    images, annotators = images_and_annotators
    first, second, _third = annotators
    with broker_unreachable():
        answer(first)  # the answers succeed; their events wait in the outbox
        answer(first)
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 2
    assert LedgerEntry.objects.count() == 0

    with consuming(broker_queue):
        answer(second)  # the broker is back: this answer's delivery takes the two waiting events too
        assert wait_for(every_event_delivered, seconds=20), "the waiting events were left to the sweep"
    assert OutboxEvent.objects.count() == 3
    assert credits_by_source() == [("review.rating", 1)] * 3
