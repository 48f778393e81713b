
import pytest

from campaign.errors import Conflict
from campaign.events import EventKind, contribution_event
from contributions.models import ImageSubmission
from contributions.reasons import reasons_text
from review.answers import lease_answer, rating_record
from review.consensus import adjudication_decide, consensus_evaluate, item_reopen
from review.models import Rating, ReviewDecisionLog, ReviewItem
from review.queue import queue_serve
from review.selectors import adjudication_list, image_scores
from review.types import Answers
from tests.concurrency import run_at_once


@pytest.fixture
def events():
    heard = []

    def listen(sender, event, **kwargs):
        heard.append(event)

    contribution_event.connect(listen)
    yield heard
    contribution_event.disconnect(listen)


def three_rate(make_annotator, rate, submission, votes):
    annotators = []
    for vote in votes:
        annotator = make_annotator()
        rate(annotator, submission, **vote)
        annotators.append(annotator)
    return annotators


GOOD = {"relevance": 4, "fits": True, "quality": True}


@pytest.mark.django_db
@pytest.mark.usefixtures("no_gold")
class TestConsensus:
    def test_three_agreeing_ratings_accept_the_image(
        self, make_annotator, make_image_in_review, rate, events, django_capture_on_commit_callbacks
    ):
        submission = make_image_in_review()
        with django_capture_on_commit_callbacks(execute=True):
            three_rate(
                make_annotator,
                rate,
                submission,
                [GOOD, GOOD, {"relevance": 3, "fits": True, "quality": False}],
            )
        submission.refresh_from_db()
        assert submission.status == ImageSubmission.Status.ACCEPTED
        item = ReviewItem.objects.get(pk=submission.pk)
        assert (item.state, item.outcome, item.counted_ratings) == ("decided", "accepted", 3)
        counted = [e for e in events if e.kind == EventKind.COUNTED]
        assert len(counted) == 3 and {e.task_number for e in counted} == {2}
        assert counted[0].source == "review.rating" and counted[0].country_codes == ("TH",)
        assert [e.kind for e in events if e.task_number == 1] == [EventKind.ACCEPTED]

    def test_low_relevance_rejects_with_a_reason_for_the_contributor(
        self, make_annotator, make_image_in_review, rate
    ):
        submission = make_image_in_review()
        low = {"relevance": 1, "fits": True, "quality": True}
        three_rate(
            make_annotator, rate, submission, [low, low, {"relevance": 2, "fits": False, "quality": True}]
        )
        submission.refresh_from_db()
        assert submission.status == ImageSubmission.Status.REJECTED
        message = "Annotators found the image not clearly related to the stated culture."
        assert submission.rejection_reasons == [
            {"code": "low_cultural_relevance", "message": message, "params": {}}  # the msgid
        ]
        assert reasons_text(submission.rejection_reasons) == [
            {"code": "low_cultural_relevance", "message": message}
        ]

    def test_the_majority_on_fit_and_quality_decides(self, make_annotator, make_image_in_review, rate):
        submission = make_image_in_review()
        three_rate(
            make_annotator,
            rate,
            submission,
            [
                {"relevance": 5, "fits": False, "quality": False},
                {"relevance": 4, "fits": False, "quality": True},
                {"relevance": 4, "fits": True, "quality": False},
            ],
        )
        submission.refresh_from_db()
        assert [r["code"] for r in submission.rejection_reasons] == ["caption_mismatch", "low_quality"]

    def test_a_split_gets_one_more_rating_then_goes_to_adjudication(
        self, make_annotator, make_image_in_review, rate, organizer
    ):
        submission = make_image_in_review()
        split = [
            {"relevance": 2, "fits": True, "quality": True},
            {"relevance": 3, "fits": True, "quality": True},
            {"relevance": 3, "fits": True, "quality": True},
        ]  # mean 2.67: neither clearly in nor out
        three_rate(make_annotator, rate, submission, split)
        item = ReviewItem.objects.get(pk=submission.pk)
        assert (item.state, item.needed, item.counted_ratings) == ("open", 4, 3)
        three_rate(make_annotator, rate, submission, [{"relevance": 2, "fits": False, "quality": True}])
        item.refresh_from_db()
        assert (item.state, item.needed) == ("open", 5)  # mean 2.5: still a split, one more
        three_rate(make_annotator, rate, submission, [{"relevance": 3, "fits": True, "quality": True}])
        item.refresh_from_db()
        assert (item.state, item.adjudication_reason, item.counted_ratings) == ("adjudication", "split", 5)
        submission.refresh_from_db()
        assert submission.status == ImageSubmission.Status.IN_REVIEW
        assert [i.pk for i in adjudication_list()] == [submission.pk]

        adjudication_decide(organizer=organizer, item_id=item.pk, accepted=False, reason="Only loosely Thai.")
        submission.refresh_from_db()
        assert submission.status == ImageSubmission.Status.REJECTED
        assert submission.rejection_reasons == [
            {"code": "organizer_decision", "message": "", "params": {}, "note": "Only loosely Thai."}
        ]  # the organizer's own words, never translated
        assert reasons_text(submission.rejection_reasons) == [
            {"code": "organizer_decision", "message": "Only loosely Thai."}
        ]
        log = ReviewDecisionLog.objects.get()
        assert (log.action, log.actor, log.reason) == ("adjudicate_reject", organizer, "Only loosely Thai.")

    def test_a_flag_on_an_image_the_votes_accept_goes_to_an_organizer(
        self, make_annotator, make_image_in_review, rate, organizer
    ):
        submission = make_image_in_review()
        flagged = {**GOOD, "flag": "watermark", "note": "Stock photo logo bottom right"}
        three_rate(make_annotator, rate, submission, [GOOD, flagged, GOOD])
        item = ReviewItem.objects.get(pk=submission.pk)
        assert (item.state, item.adjudication_reason) == ("adjudication", "flag")
        adjudication_decide(
            organizer=organizer,
            item_id=item.pk,
            accepted=False,
            reason="Logo visible.",
            upheld_flag="watermark",
        )
        submission.refresh_from_db()
        assert submission.rejection_reasons[0]["code"] == "watermark"
        assert reasons_text(submission.rejection_reasons)[0]["message"] == (
            "An organizer found a watermark or logo on the image. Logo visible."
        )

    def test_a_rating_cannot_change_after_the_decision(self, make_annotator, make_image_in_review, rate):
        submission = make_image_in_review()
        first, *_rest = three_rate(make_annotator, rate, submission, [GOOD, GOOD, GOOD])
        with pytest.raises(Conflict):
            rating_record(
                annotator=first,
                item_id=submission.pk,
                answers=Answers(relevance=1, caption_fit=False, quality_ok=False),
            )
        late = make_annotator()
        with pytest.raises(Conflict):
            rating_record(
                annotator=late,
                item_id=submission.pk,
                answers=Answers(relevance=1, caption_fit=False, quality_ok=False),
            )
        assert Rating.objects.filter(item_id=submission.pk).count() == 3
        assert queue_serve(annotator=late) is None

    def test_an_organizer_reopens_a_decided_item_and_it_is_recorded(
        self, make_annotator, make_image_in_review, rate, organizer
    ):
        submission = make_image_in_review()
        three_rate(make_annotator, rate, submission, [GOOD, GOOD, GOOD])
        item_reopen(organizer=organizer, item_id=submission.pk, reason="Looks like a stock photo.")
        submission.refresh_from_db()
        item = ReviewItem.objects.get(pk=submission.pk)
        assert submission.status == ImageSubmission.Status.IN_REVIEW
        assert (item.state, item.needed, item.counted_ratings) == ("open", 5, 3)
        assert ReviewDecisionLog.objects.get().action == "reopen"
        low = {"relevance": 1, "fits": False, "quality": True}
        three_rate(make_annotator, rate, submission, [low, low])
        submission.refresh_from_db()
        # Five ratings now: mean relevance (4*3 + 1*2)/5 = 2.8, a split at the maximum: an organizer decides.
        assert ReviewItem.objects.get(pk=submission.pk).state == "adjudication"

    def test_image_scores_for_the_dataset(self, make_annotator, make_image_in_review, rate):
        submission = make_image_in_review()
        unrated = make_image_in_review()
        three_rate(
            make_annotator,
            rate,
            submission,
            [
                GOOD,
                {"relevance": 5, "fits": False, "quality": True},
                {"relevance": 3, "fits": True, "quality": False},
            ],
        )
        scores = image_scores(submission_ids=[submission.pk, unrated.pk])
        assert list(scores) == [submission.pk]
        score = scores[submission.pk]
        assert score.avg_cultural_relevance == pytest.approx(4.0)
        assert score.avg_caption_fit == pytest.approx(2 / 3)
        assert score.avg_img_quality == pytest.approx(2 / 3)
        assert score.n_annotator == 3

    def test_the_credit_source_yields_one_event_per_counted_rating(
        self, make_annotator, make_image_in_review, rate
    ):
        from campaign.events import credit_sources

        submission = make_image_in_review()
        three_rate(make_annotator, rate, submission, [GOOD, GOOD])
        skipper = make_annotator()
        lease = queue_serve(annotator=skipper)
        lease_answer(annotator=skipper, key=lease.key, answers=Answers(skipped=True))
        events = list(credit_sources()["ratings"]())
        assert len(events) == 2 and {e.kind for e in events} == {EventKind.COUNTED}


def test_the_rule_settles_or_splits():
    assert consensus_evaluate([(3, True, True, "")] * 3, max_ratings=5).kind == "accept"
    assert consensus_evaluate([(2, True, True, "")] * 3, max_ratings=5).reasons == ("low_cultural_relevance",)
    assert (
        consensus_evaluate(
            [(3, True, True, ""), (2, True, True, ""), (3, True, True, "")], max_ratings=5
        ).kind
        == "more"
    )
    four_tied = [(4, True, True, ""), (4, False, True, ""), (4, True, True, ""), (4, False, True, "")]
    assert consensus_evaluate(four_tied, max_ratings=5).kind == "more"
    assert consensus_evaluate(four_tied, max_ratings=4).adjudication_reason == "split"


# --- exactly once under concurrency -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_gold")
@pytest.mark.parametrize("round_", range(3))
def test_the_last_ratings_submitted_at_once_decide_exactly_once(
    make_annotator, make_image_in_review, events, round_
):
    submission = make_image_in_review()
    annotators = [make_annotator() for _ in range(3)]
    leases = [queue_serve(annotator=a) for a in annotators]
    assert {lease.item_id for lease in leases} == {submission.pk}
    good = Answers(relevance=4, caption_fit=True, quality_ok=True)
    results = run_at_once(
        [
            lambda a=a, lease=lease: lease_answer(annotator=a, key=lease.key, answers=good)
            for a, lease in zip(annotators, leases, strict=True)
        ]
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(1 for r in results if r.decided) == 1
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases, item.state) == (3, 0, "decided")
    assert [e.kind for e in events if e.task_number == 1] == [EventKind.ACCEPTED]
    assert len([e for e in events if e.kind == EventKind.COUNTED]) == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_gold")
def test_two_annotators_racing_for_the_last_slot_never_make_four_counted_ratings(
    make_annotator, make_image_in_review, events
):
    """Two ratings already count; one annotator holds the last slot, another answers on an expired lease
    at the same moment: one of them counts, the image is decided once, never with four ratings."""
    from datetime import timedelta

    from django.utils import timezone

    from review.models import ReviewLease

    submission = make_image_in_review()
    good = Answers(relevance=4, caption_fit=True, quality_ok=True)
    for _ in range(2):
        a = make_annotator()
        lease_answer(annotator=a, key=queue_serve(annotator=a).key, answers=good)
    late, holder = make_annotator(), make_annotator()
    late_lease = queue_serve(annotator=late)
    ReviewLease.objects.filter(pk=late_lease.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    holder_lease = queue_serve(annotator=holder)
    assert holder_lease.item_id == submission.pk
    # The late one's lease is expired but not swept: both try to fill the last slot.
    results = run_at_once(
        [
            lambda: lease_answer(annotator=late, key=late_lease.key, answers=good),
            lambda: lease_answer(annotator=holder, key=holder_lease.key, answers=good),
        ]
    )
    assert not isinstance(results[1], Exception) and results[1].counted
    assert isinstance(results[0], Conflict)
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.state) == (3, "decided")
    assert Rating.objects.filter(item=item, counted=True).count() == 3
    assert len([e for e in events if e.task_number == 1]) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_gold")
def test_concurrent_serving_never_leases_more_slots_than_open(make_annotator, make_image_in_review, settings):
    settings.REVIEW_RATINGS_NEEDED = 2
    submission = make_image_in_review()
    annotators = [make_annotator() for _ in range(4)]
    results = run_at_once([lambda a=a: queue_serve(annotator=a) for a in annotators])
    assert not any(isinstance(r, Exception) for r in results), results
    served = [r for r in results if r is not None]
    assert len(served) == 2 and {r.item_id for r in served} == {submission.pk}
    assert ReviewItem.objects.get(pk=submission.pk).active_leases == 2
