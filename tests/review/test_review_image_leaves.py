"""An image taken down by an organizer, or withdrawn by its contributor, leaves the queue at once: an
annotator holding it can no longer rate it, and earns nothing for it."""

import pytest

from campaign.errors import Conflict
from points.models import LedgerEntry
from review.answers import lease_answer
from review.models import Rating, ReviewItem, ReviewLease
from review.queue import queue_serve
from review.types import Answers

pytestmark = pytest.mark.django_db

ANSWER = Answers(relevance=4, caption_fit=True, quality_ok=True)


@pytest.mark.parametrize("how", ["take_down", "withdraw"])
def test_an_image_leaving_review_cannot_be_rated_any_more(
    how, no_gold, make_annotator, make_image_in_review, organizer, django_capture_on_commit_callbacks
):
    from contributions.removal import image_submission_take_down, image_submission_withdraw

    submission = make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    assert lease.item_id == submission.pk

    with django_capture_on_commit_callbacks(execute=True):
        if how == "take_down":
            image_submission_take_down(submission_id=submission.pk, actor=organizer, reason="Rights request")
        else:
            image_submission_withdraw(contributor=submission.contributor, submission_id=submission.pk)

    item = ReviewItem.objects.get(pk=submission.pk)
    assert item.state == ReviewItem.State.CLOSED and item.active_leases == 0
    assert ReviewLease.objects.get(pk=lease.pk).state == ReviewLease.State.EXPIRED
    with pytest.raises(Conflict):
        lease_answer(annotator=annotator, key=lease.key, answers=ANSWER)
    assert not Rating.objects.exists()
    assert not LedgerEntry.objects.filter(contributor=annotator).exists()
    assert queue_serve(annotator=annotator) is None  # nothing else to rate
