from datetime import timedelta

import pytest
from django.utils import timezone

from campaign.errors import Conflict, NotAllowed
from review.answers import lease_answer
from review.models import ReviewItem, ReviewLease
from review.queue import lease_expire_sweep, queue_serve, review_items_sync
from review.types import Answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]


def skip(annotator):
    lease = queue_serve(annotator=annotator)
    lease_answer(annotator=annotator, key=lease.key, answers=Answers(skipped=True))
    return lease


def test_an_annotator_gets_only_items_of_their_countries(make_annotator, make_image_in_review):
    make_image_in_review(countries=("ID",))
    thai = make_image_in_review(countries=("TH", "LA"))
    annotator = make_annotator(countries=("LA",))
    assert queue_serve(annotator=annotator).item_id == thai.pk
    lease_answer(annotator=annotator, key=queue_serve(annotator=annotator).key, answers=Answers(skipped=True))
    assert queue_serve(annotator=annotator) is None


def test_never_their_own_submission(make_annotator, make_image_in_review):
    annotator = make_annotator()
    make_image_in_review(contributor=annotator)
    assert queue_serve(annotator=annotator) is None
    other = make_image_in_review()
    assert queue_serve(annotator=annotator).item_id == other.pk


def test_never_an_item_they_rated_or_skipped(make_annotator, make_image_in_review, rate):
    first = make_image_in_review(age_minutes=30)
    second = make_image_in_review(age_minutes=20)
    third = make_image_in_review(age_minutes=10)
    annotator = make_annotator()
    rate(annotator, first)
    assert skip(annotator).item_id == second.pk
    assert queue_serve(annotator=annotator).item_id == third.pk


def test_items_closest_to_consensus_first_then_oldest(make_annotator, make_image_in_review, rate):
    old_unrated = make_image_in_review(age_minutes=60)
    newer_once_rated = make_image_in_review(age_minutes=5)
    newest_once_rated = make_image_in_review(age_minutes=1)
    helper = make_annotator()
    # The helper rates the two newer ones (skipping the oldest), so each has one counted rating.
    skip(helper)
    rate(helper, newer_once_rated)
    rate(helper, newest_once_rated)
    annotator = make_annotator()
    served = []
    for _ in range(3):
        lease = skip(annotator)
        served.append(lease.item_id)
    assert served == [newer_once_rated.pk, newest_once_rated.pk, old_unrated.pk]


def test_the_current_lease_is_served_again_until_answered(make_annotator, make_image_in_review):
    make_image_in_review()
    make_image_in_review()
    annotator = make_annotator()
    first = queue_serve(annotator=annotator)
    assert queue_serve(annotator=annotator).key == first.key


def test_two_annotators_never_hold_the_last_open_slot(make_annotator, make_image_in_review, settings):
    settings.REVIEW_RATINGS_NEEDED = 1
    submission = make_image_in_review()
    first, second = make_annotator(), make_annotator()
    assert queue_serve(annotator=first).item_id == submission.pk
    assert queue_serve(annotator=second) is None
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases, item.open_slots) == (0, 1, 0)


def test_an_abandoned_lease_returns_its_slot_on_expiry(make_annotator, make_image_in_review, settings):
    settings.REVIEW_RATINGS_NEEDED = 1
    submission = make_image_in_review()
    first, second = make_annotator(), make_annotator()
    lease = queue_serve(annotator=first)
    ReviewLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # Serving sweeps expired leases first: the slot is free again.
    assert queue_serve(annotator=second).item_id == submission.pk
    lease.refresh_from_db()
    assert lease.state == ReviewLease.State.EXPIRED
    assert ReviewItem.objects.get(pk=submission.pk).active_leases == 1


def test_a_lease_within_its_time_is_not_swept(make_annotator, make_image_in_review):
    make_image_in_review()
    lease = queue_serve(annotator=make_annotator())
    ReviewLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    assert lease_expire_sweep() == 0
    lease.refresh_from_db()
    assert lease.state == ReviewLease.State.ACTIVE


def test_a_late_answer_counts_when_the_slot_is_still_free(make_annotator, make_image_in_review):
    submission = make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    ReviewLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    result = lease_answer(
        annotator=annotator, key=lease.key, answers=Answers(relevance=4, caption_fit=True, quality_ok=True)
    )
    assert result.counted
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases) == (1, 0)


def test_a_late_answer_is_refused_when_someone_else_took_the_slot(
    make_annotator, make_image_in_review, settings
):
    settings.REVIEW_RATINGS_NEEDED = 1
    submission = make_image_in_review()
    slow, quick = make_annotator(), make_annotator()
    slow_lease = queue_serve(annotator=slow)
    ReviewLease.objects.filter(pk=slow_lease.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert queue_serve(annotator=quick).item_id == submission.pk
    with pytest.raises(Conflict):
        lease_answer(
            annotator=slow,
            key=slow_lease.key,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True),
        )
    assert ReviewItem.objects.get(pk=submission.pk).counted_ratings == 0


def test_the_queue_picks_up_images_in_review_that_were_never_queued(make_annotator, make_image_in_review):
    submission = make_image_in_review(open_item=False)
    assert not ReviewItem.objects.filter(pk=submission.pk).exists()
    lease = queue_serve(annotator=make_annotator())
    assert lease.item_id == submission.pk
    item = ReviewItem.objects.get(pk=submission.pk)
    assert item.country_code_list == ["TH"] and item.needed == 3


def test_sync_is_idempotent(make_image_in_review):
    make_image_in_review(open_item=False)
    assert review_items_sync() == 1
    assert review_items_sync() == 0


def test_a_withdrawn_image_is_not_served(make_annotator, make_image_in_review):
    from contributions.models import ImageSubmission

    withdrawn = make_image_in_review(age_minutes=10)
    kept = make_image_in_review()
    ImageSubmission.objects.filter(pk=withdrawn.pk).update(status=ImageSubmission.Status.WITHDRAWN)
    assert queue_serve(annotator=make_annotator()).item_id == kept.pk


def test_a_contributor_without_screening_cannot_be_served(contributor, make_image_in_review):
    make_image_in_review()
    with pytest.raises(NotAllowed):
        queue_serve(annotator=contributor)


def test_an_annotator_cannot_rate_an_item_outside_their_countries(make_annotator, make_image_in_review):
    from review.answers import rating_record

    submission = make_image_in_review(countries=("ID",))
    with pytest.raises(NotAllowed):
        rating_record(
            annotator=make_annotator(countries=("TH",)),
            item_id=submission.pk,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True),
        )


def test_incomplete_answers_are_refused_with_a_message(make_annotator, make_image_in_review):
    from campaign.errors import DomainError

    make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    with pytest.raises(DomainError) as error:
        lease_answer(annotator=annotator, key=lease.key, answers=Answers(relevance=4, caption_fit=True))
    assert error.value.field == "quality_ok"
    with pytest.raises(DomainError) as error:
        lease_answer(
            annotator=annotator,
            key=lease.key,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True, flag="watermark"),
        )
    assert error.value.field == "flag_note"


def test_the_periodic_task_queues_closes_and_sweeps(make_annotator, make_image_in_review, settings):
    from contributions.models import ImageSubmission
    from review.tasks import maintain_review_queue

    settings.REVIEW_RATINGS_NEEDED = 1
    unqueued = make_image_in_review(open_item=False)
    withdrawn = make_image_in_review()
    ImageSubmission.objects.filter(pk=withdrawn.pk).update(status=ImageSubmission.Status.WITHDRAWN)
    assert maintain_review_queue() == {"queued": 1, "closed": 1, "leases_returned": 0}
    lease = queue_serve(annotator=make_annotator())
    assert lease.item_id == unqueued.pk
    ReviewLease.objects.filter(pk=lease.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert maintain_review_queue()["leases_returned"] == 1
    assert ReviewItem.objects.get(pk=unqueued.pk).open_slots == 1


def test_a_second_rating_of_the_same_image_is_refused(make_annotator, make_image_in_review, rate):
    from review.answers import rating_record
    from review.models import Rating

    submission = make_image_in_review()
    annotator = make_annotator()
    rate(annotator, submission)
    with pytest.raises(Conflict, match="cannot be changed"):
        rating_record(
            annotator=annotator,
            item_id=submission.pk,
            answers=Answers(relevance=1, caption_fit=False, quality_ok=False),
        )
    assert Rating.objects.get(annotator=annotator).relevance == 4
    assert ReviewItem.objects.get(pk=submission.pk).counted_ratings == 1
