"""Serving the next item in one statement (PostgreSQL): the same item as the step-by-step serve, the same
refusals in the same order, never one slot to two annotators, and one round trip on the way through."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import review.queue
from accounts.models import Profile
from campaign.errors import DomainError, NotAllowed
from contributions.models import ImageSubmission
from review.answers import lease_answer
from review.models import ReviewItem, ReviewLease
from review.queue import _queue_serve_steps, queue_serve
from review.types import Answers
from tests.concurrency import run_at_once

GOOD = Answers(relevance=4, caption_fit=True, quality_ok=True)


def _served_item(serve, annotator):
    """The item `serve` leases to the annotator, the lease rolled back (the queue left as it was)."""
    with transaction.atomic():
        lease = serve(annotator=annotator)
        transaction.set_rollback(True)
    return None if lease is None else (lease.item_id, lease.is_gold)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_the_statement_serves_what_the_steps_serve(make_annotator, make_image_in_review, make_user, rate):
    annotators = [make_annotator(), make_annotator(countries=("VN",)), make_annotator(countries=("TH", "VN"))]
    withdrawn = make_image_in_review(age_minutes=60)
    ImageSubmission.objects.filter(pk=withdrawn.pk).update(status=ImageSubmission.Status.WITHDRAWN)
    old = make_image_in_review(age_minutes=40)
    vietnamese = make_image_in_review(countries=("VN",), age_minutes=30)
    make_image_in_review(contributor=make_user(), age_minutes=5)
    make_image_in_review(contributor=annotators[0], age_minutes=1)  # never served to its contributor
    rate(annotators[2], old)  # `old` now leads the queue (closest to consensus), but not for annotator 2
    expected = {annotators[0].pk: old.pk, annotators[1].pk: vietnamese.pk, annotators[2].pk: vietnamese.pk}
    for annotator in annotators:
        fast, steps = _served_item(queue_serve, annotator), _served_item(_queue_serve_steps, annotator)
        assert fast == steps == (expected[annotator.pk], False), annotator
    # Nothing left for them: None from both.
    loner = make_annotator(countries=("BN",))
    assert _served_item(queue_serve, loner) is None and _served_item(_queue_serve_steps, loner) is None


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_a_held_lease_is_served_again_and_no_second_one_is_written(make_annotator, make_image_in_review):
    make_image_in_review()
    make_image_in_review()
    annotator = make_annotator()
    first = queue_serve(annotator=annotator)
    again = queue_serve(annotator=annotator)
    assert again.pk == first.pk and again.item.submission.pk == first.item_id
    assert ReviewLease.objects.filter(annotator=annotator, state=ReviewLease.State.ACTIVE).count() == 1
    assert sum(item.active_leases for item in ReviewItem.objects.all()) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_the_screening_refusal_still_comes_before_the_profile(make_user, make_image_in_review):
    make_image_in_review()
    unscreened = make_user()
    Profile.objects.filter(user=unscreened).update(accepted_terms_at=None)  # incomplete, and not screened
    with pytest.raises(NotAllowed) as refused:
        queue_serve(annotator=unscreened)
    assert refused.value.code == "not_screened"


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_an_incomplete_profile_is_refused_and_no_lease_written(make_annotator, make_image_in_review):
    make_image_in_review()
    annotator = make_annotator()
    Profile.objects.filter(user=annotator).update(accepted_terms_at=None)
    with pytest.raises(DomainError) as refused:
        queue_serve(annotator=annotator)
    assert refused.value.code != "not_screened"
    assert not ReviewLease.objects.filter(annotator=annotator).exists()


@pytest.mark.django_db
def test_gold_is_mixed_in_from_the_statement(
    make_annotator, make_image_in_review, make_screening_item, settings
):
    settings.REVIEW_GOLD_RATE = 1  # every serve is due a gold item
    make_image_in_review()
    gold = make_screening_item()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    assert lease.is_gold and lease.screening_item_id == gold.pk
    lease_answer(annotator=annotator, key=lease.key, answers=GOOD)
    # No gold item left for them: the image in review, from the same serve.
    assert not queue_serve(annotator=annotator).is_gold


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_serving_takes_one_round_trip_when_no_housekeeping_is_due(make_annotator, make_image_in_review):
    make_image_in_review()
    annotator = make_annotator()
    review.queue._housekeeping_asked_at[0] = float("inf")  # asked a moment ago, in this process
    try:
        with CaptureQueriesContext(connection) as queries:
            lease = queue_serve(annotator=annotator)
    finally:
        review.queue._housekeeping_asked_at[0] = -float(review.queue.SWEEP_EVERY)
    assert lease is not None
    # The one statement (the profile with the task, the gate, held lease, gold draw, pick, lease).
    assert len(queries.captured_queries) == 1, [q["sql"][:80] for q in queries.captured_queries]


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
def test_an_image_never_queued_is_found_even_when_housekeeping_is_not_due(
    make_annotator, make_image_in_review
):
    submission = make_image_in_review(open_item=False)
    review.queue._housekeeping_asked_at[0] = float("inf")
    try:
        lease = queue_serve(annotator=make_annotator())
    finally:
        review.queue._housekeeping_asked_at[0] = -float(review.queue.SWEEP_EVERY)
    assert lease is not None and lease.item_id == submission.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_gold")
@pytest.mark.parametrize("round_", range(3))
def test_when_one_rating_remains_two_annotators_never_get_the_same_item(
    make_annotator, make_image_in_review, round_
):
    submission = make_image_in_review()
    for _ in range(2):
        annotator = make_annotator()
        lease_answer(annotator=annotator, key=queue_serve(annotator=annotator).key, answers=GOOD)
    racers = [make_annotator() for _ in range(4)]
    results = run_at_once([lambda a=a: queue_serve(annotator=a) for a in racers])
    assert not any(isinstance(r, Exception) for r in results), results
    served = [r for r in results if r is not None]
    assert len(served) == 1 and served[0].item_id == submission.pk
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases, item.open_slots) == (2, 1, 0)
    assert ReviewLease.objects.filter(item=item, state=ReviewLease.State.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_gold")
def test_many_annotators_at_once_take_each_slot_once(make_annotator, make_image_in_review, settings):
    settings.REVIEW_RATINGS_NEEDED = 1
    images = [make_image_in_review(age_minutes=10 - i) for i in range(3)]
    racers = [make_annotator() for _ in range(5)]
    results = run_at_once([lambda a=a: queue_serve(annotator=a) for a in racers])
    assert not any(isinstance(r, Exception) for r in results), results
    served = sorted(r.item_id for r in results if r is not None)
    assert served == sorted(image.pk for image in images)  # each image once, two annotators get nothing
    assert all(item.active_leases == 1 for item in ReviewItem.objects.all())
