"""The answer's hot statements are prepared on the server (planned once per connection, then only run), and
the prepared path, past the plans PostgreSQL makes for the first executions (then it keeps a generic one),
records exactly what the stepwise path records."""

import pytest
from django.db import connection

from campaign.models import OutboxEvent
from review.answers import _lease_answer_steps, lease_answer
from review.models import Rating, ReviewItem
from review.queue import queue_serve
from review.types import Answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]


def _prepared_on_this_connection() -> list[tuple[str, int]]:
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def test_the_answer_statements_are_prepared_once_and_reused(make_annotator, make_image_in_review):
    images = [make_image_in_review() for _ in range(7)]
    annotator = make_annotator()
    for _image in images:
        lease = queue_serve(annotator=annotator)
        lease_answer(
            annotator=annotator,
            key=lease.key,
            answers=Answers(relevance=4, caption_fit=True, quality_ok=True),
        )
    prepared = _prepared_on_this_connection()
    lock = [
        runs for text, runs in prepared if "FOR UPDATE" in text and "review_reviewlease WHERE key" in text
    ]
    record = [
        runs for text, runs in prepared if "INSERT INTO review_rating" in text and "contributor AS" in text
    ]
    assert lock == [7] and record == [7], prepared  # one statement each, prepared once, run seven times


# Per image (in the order the queue serves them) the three answers (relevance, fits, quality): accepted,
# rejected, a split mean that asks for a fourth rating (the image stays open), rejections on quality...
_ANSWERS = [
    [(5, True, True), (4, True, True), (5, True, True)],
    [(1, False, False), (2, False, True), (1, False, False)],
    [(3, True, True), (2, True, True), (3, True, True)],
    [(4, True, False), (5, True, False), (4, False, False)],
    [(5, True, True), (2, True, True), (4, True, True)],
    [(2, True, True), (5, False, True), (3, False, False)],
    [(4, True, True), (4, True, True), (3, True, True)],
]


def _record_all(answer, *, country: str, make_annotator, make_image_in_review):
    """Seven images of `country`, each answered by three annotators through `answer`; what each answer
    returned, and per image (by position) its row, its ratings and its events."""
    images = [make_image_in_review(countries=(country,)) for _ in _ANSWERS]
    position = {image.pk: n for n, image in enumerate(images)}
    annotators = [make_annotator(countries=(country,)) for _ in range(3)]
    results = []
    for j, annotator in enumerate(annotators):
        for _ in images:
            lease = queue_serve(annotator=annotator)
            relevance, fits, quality = _ANSWERS[position[lease.item_id]][j]
            result = answer(
                annotator=annotator,
                key=lease.key,
                answers=Answers(relevance=relevance, caption_fit=fits, quality_ok=quality),
            )
            results.append((position[lease.item_id], result.counted, result.decided))
    items = {
        position[item.pk]: (item.state, item.outcome, item.needed, item.counted_ratings, item.active_leases)
        for item in ReviewItem.objects.filter(pk__in=position)
    }
    ratings = sorted(
        (
            position[r.item_id],
            annotators.index(r.annotator),
            r.relevance,
            r.caption_fit,
            r.quality_ok,
            r.counted,
        )
        for r in Rating.objects.filter(item_id__in=position).select_related("annotator")
    )
    mine = {
        "contributions.imagesubmission": set(position),
        "review.rating": set(Rating.objects.filter(item_id__in=position).values_list("pk", flat=True)),
    }
    events = sorted(
        (e.payload["kind"], e.payload["source"])
        for e in OutboxEvent.objects.all()
        if e.payload["source_id"] in mine.get(e.payload["source"], ())
    )
    return results, items, ratings, events


def test_the_prepared_path_records_what_the_stepwise_path_records(make_annotator, make_image_in_review):
    prepared = _record_all(
        lease_answer, country="TH", make_annotator=make_annotator, make_image_in_review=make_image_in_review
    )
    stepwise = _record_all(
        _lease_answer_steps,
        country="ID",
        make_annotator=make_annotator,
        make_image_in_review=make_image_in_review,
    )
    assert prepared == stepwise
    results, items, _ratings, _events = prepared
    assert any(decided for _n, _counted, decided in results)
    assert {state for state, *_rest in items.values()} == {ReviewItem.State.DECIDED, ReviewItem.State.OPEN}
    assert {outcome for _state, outcome, *_rest in items.values()} == {"accepted", "rejected", ""}
    assert any(
        runs > 5 for text, runs in _prepared_on_this_connection() if "INSERT INTO review_rating" in text
    )
