import pytest
from django.test.utils import CaptureQueriesContext

from campaign.events import EventKind, credit_sources
from review.answers import lease_answer
from review.gold import annotator_reinstate
from review.models import AnnotatorPause, GoldAnswer, Rating, ReviewDecisionLog, ReviewItem
from review.queue import queue_serve
from review.selectors import served_item
from review.types import Answers

pytestmark = pytest.mark.django_db

RIGHT = Answers(relevance=4, caption_fit=True, quality_ok=True)
WRONG = Answers(relevance=1, caption_fit=False, quality_ok=False)


@pytest.fixture
def gold_always(settings):
    settings.REVIEW_GOLD_RATE = 1  # every serve tries a gold item first
    settings.REVIEW_GOLD_MIN_ANSWERS = 5
    settings.REVIEW_GOLD_WINDOW = 20
    settings.REVIEW_GOLD_MIN_ACCURACY = 0.7


def answer_golds(annotator, answers):
    for given in answers:
        lease = queue_serve(annotator=annotator)
        assert lease.is_gold
        lease_answer(annotator=annotator, key=lease.key, answers=given)


def test_gold_items_are_mixed_in_and_look_like_any_other_item(
    gold_always, make_annotator, make_screening_item, make_image_in_review
):
    gold = make_screening_item(relevance=4, location="Bangkok")
    submission = make_image_in_review(location="Chiang Mai")
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    assert lease.screening_item_id == gold.pk
    shown_gold = served_item(lease=lease)
    lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert GoldAnswer.objects.get(annotator=annotator).correct
    # The gold item is not served again; the image in review comes next.
    lease = queue_serve(annotator=annotator)
    assert lease.item_id == submission.pk
    shown_real = served_item(lease=lease)
    assert type(shown_gold) is type(shown_real)
    # Both are shown through the lease's own address: nothing tells a gold item apart.
    assert shown_gold.image_url == f"/review/served/{shown_gold.key}/image/"
    assert shown_real.image_url == f"/review/served/{shown_real.key}/image/"


def test_gold_items_of_other_countries_are_not_served(gold_always, make_annotator, make_screening_item):
    make_screening_item(countries=("ID",))
    assert queue_serve(annotator=make_annotator(countries=("TH",))) is None


def test_gold_items_off_when_the_rate_is_zero(settings, make_annotator, make_screening_item):
    settings.REVIEW_GOLD_RATE = 0
    make_screening_item()
    assert queue_serve(annotator=make_annotator()) is None


def test_an_annotator_under_the_bar_is_paused_and_their_ratings_stop_counting(
    gold_always,
    make_annotator,
    make_screening_item,
    make_image_in_review,
    organizer,
    django_capture_on_commit_callbacks,
):
    from campaign.events import contribution_event

    heard = []
    contribution_event.connect(
        lambda sender, event, **kw: heard.append(event), weak=False, dispatch_uid="gold-test"
    )
    try:
        for _ in range(5):
            make_screening_item(relevance=4, fits=True, quality=True)
        submission = make_image_in_review()
        annotator = make_annotator()
        # A real rating first (gold off for it), which counts.
        with django_capture_on_commit_callbacks(execute=True):
            from django.test import override_settings

            with override_settings(REVIEW_GOLD_RATE=0):
                lease = queue_serve(annotator=annotator)
                lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
            assert ReviewItem.objects.get(pk=submission.pk).counted_ratings == 1
            answer_golds(
                annotator, [RIGHT, RIGHT, WRONG, WRONG]
            )  # 4 answers: below the minimum, no pause yet
            assert not AnnotatorPause.objects.exists()
            answer_golds(annotator, [WRONG])  # 2 of 5 right = 40%
        pause = AnnotatorPause.objects.get(user=annotator)
        assert pause.gold_accuracy == pytest.approx(0.4) and pause.reinstated_at is None
        rating = Rating.objects.get(annotator=annotator)
        assert (rating.counted, rating.uncounted_reason) == (False, "paused")
        assert ReviewItem.objects.get(pk=submission.pk).counted_ratings == 0
        assert [e.kind for e in heard if e.source == "review.rating"] == [
            EventKind.COUNTED,
            EventKind.REVERSED,
        ]
        assert list(credit_sources()["ratings"]()) == []
        assert ReviewDecisionLog.objects.get(action="pause").actor is None

        with django_capture_on_commit_callbacks(execute=True):
            annotator_reinstate(
                organizer=organizer, user_id=annotator.pk, reason="Talked it through on Discord"
            )
        rating.refresh_from_db()
        assert rating.counted and ReviewItem.objects.get(pk=submission.pk).counted_ratings == 1
        assert heard[-1].kind == EventKind.COUNTED
        assert len(list(credit_sources()["ratings"]())) == 1
        log = ReviewDecisionLog.objects.get(action="reinstate")
        assert (log.actor, log.subject_user, log.reason) == (
            organizer,
            annotator,
            "Talked it through on Discord",
        )
    finally:
        contribution_event.disconnect(dispatch_uid="gold-test")


def test_a_paused_annotator_rates_but_does_not_count(make_annotator, make_image_in_review, no_gold):
    from review.gold import annotator_pause

    submission = make_image_in_review()
    annotator = make_annotator()
    annotator_pause(user=annotator, actor=None, reason="test")
    lease = queue_serve(annotator=annotator)
    result = lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert not result.counted
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases) == (0, 0)


def test_gold_accuracy_after_reinstatement_starts_afresh(
    gold_always, make_annotator, make_screening_item, organizer
):
    from review.selectors import gold_accuracy

    for _ in range(6):
        make_screening_item()
    annotator = make_annotator()
    answer_golds(annotator, [WRONG] * 5)
    assert AnnotatorPause.objects.filter(user=annotator, reinstated_at__isnull=True).exists()
    annotator_reinstate(organizer=organizer, user_id=annotator.pk, reason="Second chance")
    assert gold_accuracy(user=annotator) == (None, 0)
    answer_golds(annotator, [RIGHT])
    assert gold_accuracy(user=annotator) == (1.0, 1)


def test_serving_the_next_item_takes_few_queries(make_annotator, make_image_in_review, no_gold):
    from django.db import connection

    for _ in range(5):
        make_image_in_review()
    annotator = make_annotator()
    queue_serve(annotator=annotator)  # the first serve also syncs the queue once
    lease = queue_serve(annotator=annotator)
    lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    with CaptureQueriesContext(connection) as queries:
        queue_serve(annotator=annotator)
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_gold_comes_at_least_once_every_2n_minus_1_served_items_even_when_chance_says_no(
    settings, monkeypatch, make_annotator, make_screening_item, make_image_in_review
):
    import review.queue

    settings.REVIEW_GOLD_RATE = 4  # one in 4 on average: never more than 2 * 4 - 2 = 6 items without gold
    monkeypatch.setattr(review.queue.random, "random", lambda: 0.999999)  # the unluckiest draws
    for _ in range(5):
        make_screening_item()
    make_screening_item(countries=("ID",))  # not theirs: never served to them
    for _ in range(22):
        make_image_in_review()
    annotator = make_annotator()
    served = []
    for _ in range(25):
        lease = queue_serve(annotator=annotator)
        served.append("G" if lease.is_gold else ".")
        lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert "".join(served) == "......G......G......G......"[:25]
    assert GoldAnswer.objects.filter(annotator=annotator).count() == 3


def test_the_gap_between_gold_items_is_even_from_1_to_2n_minus_1_so_one_in_n_on_average():
    from review.queue import gold_chance

    rate = 5
    gaps, still_waiting = [], 1.0
    for since_gold in range(2 * rate - 1):
        chance = gold_chance(since_gold=since_gold, rate=rate)
        gaps.append(still_waiting * chance)
        still_waiting *= 1 - chance
    assert gaps == pytest.approx([1 / (2 * rate - 1)] * (2 * rate - 1))
    assert still_waiting == 0 and gold_chance(since_gold=40, rate=rate) == 1
    assert sum(gap * size for size, gap in enumerate(gaps, start=1)) == pytest.approx(rate)


def test_when_their_gold_items_run_out_the_queue_goes_on(
    settings, make_annotator, make_screening_item, make_image_in_review
):
    settings.REVIEW_GOLD_RATE = 2
    make_screening_item()
    for _ in range(6):
        make_image_in_review()
    annotator = make_annotator()
    kinds = []
    for _ in range(7):
        lease = queue_serve(annotator=annotator)
        kinds.append(lease.is_gold)
        lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert kinds.count(True) == 1 and queue_serve(annotator=annotator) is None


def test_gold_items_on_cost_the_serve_no_extra_query(
    settings, monkeypatch, make_annotator, make_image_in_review, make_screening_item
):
    from django.db import connection

    import review.queue

    make_screening_item()
    for _ in range(4):
        make_image_in_review()
    annotator = make_annotator()
    queue_serve(annotator=annotator)  # the first serve also syncs the queue once
    counts = {}
    monkeypatch.setattr(review.queue.random, "random", lambda: 0.999999)  # chance says: not yet
    for rate in (0, 20):
        settings.REVIEW_GOLD_RATE = rate
        lease = queue_serve(annotator=annotator)
        lease_answer(annotator=annotator, key=lease.key, answers=Answers(skipped=True))
        with CaptureQueriesContext(connection) as queries:
            assert not queue_serve(annotator=annotator).is_gold
        counts[rate] = len(queries)
    assert counts[20] == counts[0]
