"""The answer path's fewer round trips give the same answers as the reads they replace, on PostgreSQL.

No timings: the queries are counted, and each one-query read is held to the separate reads it replaced.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Profile
from accounts.services import (
    CONTRIBUTOR_GATE_COLUMNS,
    CONTRIBUTOR_GATE_SQL,
    contributor_ensure_can_submit,
    contributor_gate_check,
    contributor_gate_profile_from,
    profile_ensure_complete,
)
from campaign.errors import DomainError, NotAllowed
from campaign.events import event_to_payload
from campaign.models import OutboxEvent, Task
from campaign.prepared import prepared_fetchall
from campaign.services import task_ensure_open
from contributions.decisions import image_submission_decide, image_submission_event
from contributions.models import ImageSubmission
from review.answers import lease_answer
from review.credit import rating_event
from review.models import AnnotatorPause, Rating, ReviewItem, ReviewLease
from review.queue import queue_serve
from review.selectors import annotator_gate, annotator_gate_with_lease
from review.types import Answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]


def _two_step(user, number: int):
    """The gate as it was: the task's check, then the profile's (the naive path, two queries)."""
    try:
        task_ensure_open(number=number)
        return "ok", profile_ensure_complete(user=user).pk
    except DomainError as error:
        return error.code, error.message


def _in_sql(user, number: int):
    """The gate as the serve's and the answer's statements read it (accounts.services.CONTRIBUTOR_GATE_SQL),
    checked in Python; and whether the statement itself let the contributor through (`gate_passes`)."""
    sql = (
        f"SELECT {CONTRIBUTOR_GATE_COLUMNS} FROM (SELECT 1) one LEFT JOIN ({CONTRIBUTOR_GATE_SQL}) c ON true"  # noqa: S608
    )
    now = timezone.now()
    params = {"gate_user": user.pk, "gate_task": number, "gate_now": now}
    profile, passes = contributor_gate_profile_from(user=user, values=prepared_fetchall(sql, params)[0])
    try:
        return (
            "ok",
            contributor_gate_check(user=user, task_number=number, profile=profile, now=now).pk,
        ), passes
    except DomainError as error:
        return (error.code, error.message), passes


def _one_query(user, number: int):
    try:
        return "ok", contributor_ensure_can_submit(user=user, task_number=number).pk
    except DomainError as error:
        return error.code, error.message


@pytest.mark.parametrize(
    "status, opens_in, closes_in",
    [
        ("open", None, None),
        ("closed", None, None),
        ("scheduled", None, None),
        ("scheduled", timedelta(days=2), None),
        ("scheduled", -timedelta(hours=1), None),  # its opening time has passed: open
        ("open", None, -timedelta(minutes=1)),  # its closing time has passed: closed
        ("open", None, timedelta(days=1)),
    ],
)
@pytest.mark.parametrize("profile", ["complete", "incomplete", "none"])
def test_the_one_query_gate_refuses_and_admits_exactly_as_the_two_checks(
    make_user, status, opens_in, closes_in, profile
):
    now = timezone.now()
    Task.objects.filter(number=2).update(
        status=status,
        opens_at=now + opens_in if opens_in else None,
        closes_at=now + closes_in if closes_in else None,
    )
    user = make_user(complete_profile=profile == "complete")
    if profile == "none":
        user.profile.delete()
    assert _one_query(user, 2) == _two_step(user, 2)
    assert _one_query(user, 99) == _two_step(user, 99)  # no such task: its refusal comes first
    # The statements' own reading lets through exactly whom the checks let through.
    for number in (2, 99):
        answer, passes = _in_sql(user, number)
        assert answer == _two_step(user, number)
        assert passes == (answer[0] == "ok")


@pytest.mark.parametrize(
    "change",
    [
        {"display_name": ""},
        {"residence_country": None, "resides_elsewhere": False},
        {"residence_country": None, "resides_elsewhere": True},  # "Other / outside Southeast Asia"
        {"native_language_code": ""},
        {"accepted_terms_at": None},
        {"use_pseudonym": True, "pseudonym": "Kite"},
    ],
)
def test_the_statements_read_each_part_of_the_profile_as_the_check_does(make_user, change):
    Task.objects.filter(number=2).update(status="open", opens_at=None, closes_at=None)
    user = make_user()
    Profile.objects.filter(user=user).update(**change)
    answer, passes = _in_sql(user, 2)
    assert answer == _two_step(user, 2)
    assert passes == (answer[0] == "ok")


def test_the_gate_is_one_query_when_it_lets_the_annotator_through(make_user):
    Task.objects.filter(number=2).update(status="open", opens_at=None, closes_at=None)
    user = make_user()
    with CaptureQueriesContext(connection) as queries:
        profile = contributor_ensure_can_submit(user=user, task_number=2)
    assert len(queries.captured_queries) == 1
    assert profile.user_id == user.pk and profile.residence_country.code == "ID"


def test_gate_with_lease_reads_what_the_gate_and_the_lease_lookup_read(make_annotator, make_image_in_review):
    make_image_in_review()
    annotator = make_annotator(countries=("TH", "LA"))
    other = make_annotator()
    lease = queue_serve(annotator=annotator)
    codes, paused, found = annotator_gate_with_lease(user=annotator, key=lease.key)
    assert (codes, paused) == annotator_gate(user=annotator) == (["LA", "TH"], False)
    stored = ReviewLease.objects.get(pk=lease.pk)
    assert (found.pk, found.item_id, found.screening_item_id, found.created_at) == (
        stored.pk,
        stored.item_id,
        stored.screening_item_id,
        stored.created_at,
    )
    # Another annotator's key is not theirs; a pause shows; no qualification is refused as before.
    assert annotator_gate_with_lease(user=other, key=lease.key)[2] is None
    AnnotatorPause.objects.create(user=annotator, reason="gold accuracy")
    assert (
        annotator_gate_with_lease(user=annotator, key=lease.key)[1]
        is True
        == annotator_gate(user=annotator)[1]
    )
    with pytest.raises(NotAllowed):
        annotator_gate_with_lease(user=make_annotator(countries=()), key=lease.key)


def test_recording_a_rating_that_does_not_decide_takes_one_round_trip_and_the_commit(
    make_annotator, make_image_in_review
):
    make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    with CaptureQueriesContext(connection) as queries:
        result = lease_answer(
            annotator=annotator,
            key=lease.key,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True),
        )
    assert result.counted and not result.decided
    # The lock of the leased item, then one statement (the profile with the task, the qualifications,
    # the pause and the lease, then the lease released, the rating, its outbox row, the counters), the two
    # sent at once with the transaction's BEGIN: fourteen round trips before they were merged. The counted
    # rating's outbox row is written in the same transaction, so its credit cannot be lost.
    sql = [
        q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ]  # the test's transaction
    assert len(sql) == 2, sql
    assert sum("campaign_outboxevent" in q for q in sql) == 1
    rating = Rating.objects.get(item_id=lease.item_id, annotator=annotator)
    assert (rating.relevance, rating.caption_fit, rating.quality_ok, rating.counted) == (4, True, True, True)
    item = ReviewItem.objects.get(pk=lease.item_id)
    assert (item.counted_ratings, item.active_leases, item.state) == (1, 0, ReviewItem.State.OPEN)
    assert ReviewLease.objects.get(pk=lease.pk).state == ReviewLease.State.ANSWERED


def test_the_rating_that_decides_adds_one_statement_and_writes_both_events(
    make_annotator, make_image_in_review
):
    submission = make_image_in_review(countries=("TH", "LA"))
    annotators = [make_annotator(countries=("TH",)) for _ in range(3)]
    for annotator in annotators[:2]:
        lease = queue_serve(annotator=annotator)
        lease_answer(
            annotator=annotator,
            key=lease.key,
            answers=Answers(relevance=5, caption_fit=True, quality_ok=True),
        )
    lease = queue_serve(annotator=annotators[2])
    before = set(OutboxEvent.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        result = lease_answer(
            annotator=annotators[2],
            key=lease.key,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True),
        )
    assert result.counted and result.decided
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) == 3, sql
    submission.refresh_from_db()
    item = ReviewItem.objects.get(pk=submission.pk)
    assert submission.status == ImageSubmission.Status.ACCEPTED and submission.decided_at is not None
    assert (item.state, item.outcome, item.counted_ratings) == ("decided", "accepted", 3)
    rating = Rating.objects.get(item=item, annotator=annotators[2])
    events = {row.payload["kind"]: row.payload for row in OutboxEvent.objects.exclude(pk__in=before)}
    # The same payloads as the events the services build (campaign.events.event_to_payload).
    assert events == {
        "counted": event_to_payload(
            rating_event(rating.pk, annotators[2].pk, rating.created_at, item.country_codes, "counted")
        ),
        "accepted": event_to_payload(image_submission_event(submission, "accepted")),
    }


def test_serving_after_an_answer_does_not_read_the_current_lease(make_annotator, make_image_in_review):
    make_image_in_review()
    second = make_image_in_review()
    annotator = make_annotator()
    first_lease = queue_serve(annotator=annotator)
    lease_answer(annotator=annotator, key=first_lease.key, answers=Answers(skipped=True))
    with CaptureQueriesContext(connection) as queries:
        lease = queue_serve(annotator=annotator)
    assert lease.item_id == second.pk
    assert not any(
        "INNER JOIN" in q["sql"] and "review_reviewlease" in q["sql"] for q in queries.captured_queries
    )
    # ... and the lease held is served again, whole, on the next serve.
    again = queue_serve(annotator=annotator)
    assert again.pk == lease.pk and again.item.submission.pk == second.pk


def test_a_refused_decision_leaves_the_callers_transaction_usable(make_image_in_review):
    submission = make_image_in_review()
    ImageSubmission.objects.filter(pk=submission.pk).update(status=ImageSubmission.Status.WITHDRAWN)
    with transaction.atomic():
        with pytest.raises(DomainError) as refused:
            image_submission_decide(submission_id=submission.pk, accepted=True)
        assert refused.value.code == "not_in_review"
        ReviewItem.objects.filter(pk=submission.pk).update(state=ReviewItem.State.CLOSED)  # still usable
    assert ReviewItem.objects.get(pk=submission.pk).state == ReviewItem.State.CLOSED
    ImageSubmission.objects.filter(pk=submission.pk).update(status=ImageSubmission.Status.IN_REVIEW)
    with transaction.atomic(), pytest.raises(DomainError) as refused:
        image_submission_decide(submission_id=submission.pk, accepted=False, reasons=[])
    assert refused.value.code == "reason_required"
    assert ImageSubmission.objects.get(pk=submission.pk).status == ImageSubmission.Status.IN_REVIEW


@pytest.mark.parametrize("refusal", ["profile", "task", "pacing", "paused"])
def test_an_answer_the_gates_refuse_writes_nothing(make_annotator, make_image_in_review, settings, refusal):
    """The statement that records runs before Python checks the gates: whatever they refuse leaves no
    rating, no outbox row, the lease active and the item's counters as they were."""
    submission = make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    if refusal == "profile":
        Profile.objects.filter(user=annotator).update(accepted_terms_at=None)
    elif refusal == "task":
        Task.objects.filter(number=2).update(status="closed")
    elif refusal == "pacing":
        settings.REVIEW_MIN_SECONDS_PER_ITEM = 60
    else:  # a paused annotator is not refused: the rating is kept, uncounted
        AnnotatorPause.objects.create(user=annotator, reason="gold accuracy")
    outbox_before = OutboxEvent.objects.count()
    answer = Answers(relevance=4, caption_fit=True, quality_ok=True)
    if refusal == "paused":
        result = lease_answer(annotator=annotator, key=lease.key, answers=answer)
        rating = Rating.objects.get(item_id=submission.pk, annotator=annotator)
        assert not result.counted and (rating.counted, rating.uncounted_reason) == (False, "paused")
        assert OutboxEvent.objects.count() == outbox_before  # nothing to credit
        item = ReviewItem.objects.get(pk=submission.pk)
        assert (item.counted_ratings, item.active_leases) == (0, 0)
        return
    with pytest.raises(DomainError):
        lease_answer(annotator=annotator, key=lease.key, answers=answer)
    assert not Rating.objects.filter(item_id=submission.pk).exists()
    assert OutboxEvent.objects.count() == outbox_before
    assert ReviewLease.objects.get(pk=lease.pk).state == ReviewLease.State.ACTIVE
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases) == (0, 1)
