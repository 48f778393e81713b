"""The answer path of Task 2: an annotator's answer to a served item (`lease_answer`), refused when it
comes too fast, recorded as a rating of an image in review (`rating_record`, which decides the item when
it completes the needed count) or as a hidden gold answer (`review.gold`)."""

import json
import math
import time
from datetime import timedelta

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import EventKind, event_to_payload, publish
from campaign.outbox import OUTBOX_COLUMNS, OUTBOX_DEFAULTS, outbox_events_written
from review.conf import conf
from review.consensus import consensus_apply, consensus_apply_counted
from review.credit import rating_event
from review.gold import gold_answer_record
from review.models import Rating, ReviewItem, ReviewLease, country_mask
from review.queue import leases_release
from review.selectors import (
    annotator_answer_gate,
    annotator_country_codes,
    annotator_is_paused,
    lease_current,
)
from review.types import TASK_NUMBER, AnswerResult, Answers


class TooFast(DomainError):
    """An answer sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served; the lease stays."""

    code = "too_fast"
    http_status = 429


def lease_answer(*, annotator, key, answers: Answers) -> AnswerResult:
    """Record the answer to a served item: a rating of an image in review or a hidden gold answer."""
    codes, paused, lease = annotator_answer_gate(user=annotator, key=key, task_number=TASK_NUMBER)
    answers = answers.validate()
    if lease is None:
        raise NotFound(_("This item is no longer yours to rate. Please take the next one."))
    if not answers.skipped:
        _ensure_paced(served_at=lease.created_at)
    if lease.is_gold:
        return gold_answer_record(annotator=annotator, lease_id=lease.pk, answers=answers)
    return rating_record(
        annotator=annotator, item_id=lease.item_id, answers=answers, country_codes=codes, paused=paused
    )


def _ensure_paced(*, served_at) -> None:
    """Refuse an answer that comes sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served (an
    image in review and a gold item alike); nothing is written, so the same lease can answer again."""
    minimum = conf("REVIEW_MIN_SECONDS_PER_ITEM")
    if minimum and timezone.now() - served_at < timedelta(seconds=minimum):
        n = math.ceil(minimum)
        error = TooFast(
            ngettext(
                "Please look at the image a little longer (at least %(n)d second) before you answer. "
                "It stays reserved for you: submit again in a moment.",
                "Please look at the image a little longer (at least %(n)d seconds) before you answer. "
                "It stays reserved for you: submit again in a moment.",
                n,
            )
            % {"n": n}
        )
        remaining = timedelta(seconds=minimum) - (timezone.now() - served_at)
        error.retry_after = max(1, math.ceil(remaining.total_seconds()))  # the API's Retry-After
        raise error


@transaction.atomic
def rating_record(
    *,
    annotator,
    item_id: int,
    answers: Answers,
    country_codes: list[str] | None = None,
    paused: bool | None = None,
) -> AnswerResult:
    """Record one rating (or skip) under the item's row lock; the rating that completes the needed
    count decides the item, exactly once.

    PostgreSQL: the lock, then one statement for the checks, the leases released, the rating, its
    outbox row, the counters and (when due) the counted ratings, sent together (one round trip); the
    decision, when due, is one more (`consensus_apply_counted`). Elsewhere `_rating_record_steps`."""
    answers = answers.validate()
    if country_codes is None:
        country_codes = annotator_country_codes(user=annotator)
    if paused is None:
        paused = annotator_is_paused(user=annotator)
    if connection.vendor != "postgresql":
        return _rating_record_steps(
            annotator=annotator, item_id=item_id, answers=answers, country_codes=country_codes, paused=paused
        )
    counts = not answers.skipped and not paused
    now = timezone.now()
    # The COUNTED event but for the rating's id and the item's countries, which the statement adds.
    event = event_to_payload(rating_event(0, annotator.pk, now, "", EventKind.COUNTED))
    params = {
        "item": item_id,
        "me": annotator.pk,
        "mask": country_mask(country_codes),
        "skipped": answers.skipped,
        "counts": counts,
        "now": now,
        "relevance": answers.relevance,
        "caption_fit": answers.caption_fit,
        "quality_ok": answers.quality_ok,
        "flag": answers.flag,
        "flag_note": answers.flag_note,
        "uncounted_reason": "paused" if paused and not answers.skipped else "",
        "event": json.dumps(event),
    }
    row = _record_statement(params)
    if row is None:
        raise NotFound(_("No such image in review."))
    contributor_id, bits, state, counted, active, needed, released, holds, rating_id, event_id, ratings = row
    if contributor_id == annotator.pk:
        raise NotAllowed(_("You cannot rate your own image."))
    if not bits & params["mask"]:
        raise NotAllowed(_("This image is not from a country you are qualified for."))
    if not answers.skipped and state != ReviewItem.State.OPEN:
        raise Conflict(_("This image has already been decided; thank you, it needs no more ratings."))
    if counts and not holds and counted + active - released >= needed:
        raise Conflict(
            _("Time ran out on this image and it has enough ratings now. Please take the next one.")
        )
    if rating_id is None:
        raise Conflict(_("You already rated this image; a rating cannot be changed."))
    decision_event_id = None
    if ratings is not None:  # the count is complete: consensus
        ratings = [tuple(r) for r in ratings]
        ratings.append((answers.relevance, answers.caption_fit, answers.quality_ok, answers.flag))
        decision_event_id = consensus_apply_counted(item_id=item_id, needed=needed, ratings=ratings)
    outbox_events_written([event_id, decision_event_id])
    return AnswerResult(counted=counts, decided=decision_event_id is not None)


_LOCK_ITEM_SQL = "SELECT 1 FROM review_reviewitem WHERE submission_id = %(item)s FOR UPDATE"

# Under the item's row lock (taken by the statement before, so this one reads the item and its ratings as
# they are now): `_rating_record_steps` in one statement. The checks refuse in Python, in the same order,
# from the item's row it returns (nothing is written when one fails but the lease released, and the
# refusal rolls that back); the rating conflicts with the one already there as nothing written.
_RECORD_SQL = f"""
WITH item AS (
    SELECT contributor_id, country_bits, country_codes, state, needed, counted_ratings, active_leases,
           contributor_id <> %(me)s AND (country_bits & %(mask)s::bigint) > 0
           AND (%(skipped)s::boolean OR state = '{ReviewItem.State.OPEN.value}') AS admitted
    FROM review_reviewitem WHERE submission_id = %(item)s
), released AS (
    UPDATE review_reviewlease SET state = '{ReviewLease.State.ANSWERED.value}'
    WHERE item_id = %(item)s AND annotator_id = %(me)s AND state = '{ReviewLease.State.ACTIVE.value}'
      AND (SELECT admitted FROM item)
    RETURNING expires_at
), slot AS (
    SELECT count(*)::int AS released, coalesce(bool_or(expires_at > %(now)s::timestamptz), false) AS holds
    FROM released
), rating AS (
    INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok, flag,
                               flag_note, counted, uncounted_reason, created_at)
    SELECT %(item)s, %(me)s, %(skipped)s::boolean, %(relevance)s::smallint, %(caption_fit)s::boolean,
           %(quality_ok)s::boolean, %(flag)s::varchar, %(flag_note)s::varchar, %(counts)s::boolean,
           %(uncounted_reason)s::varchar, %(now)s::timestamptz
    FROM item, slot
    WHERE item.admitted AND NOT (%(counts)s::boolean AND NOT slot.holds
                                 AND item.counted_ratings + item.active_leases - slot.released >= item.needed)
    ON CONFLICT ON CONSTRAINT rating_once_per_annotator DO NOTHING
    RETURNING id
), event AS (
    INSERT INTO campaign_outboxevent {OUTBOX_COLUMNS}
    SELECT %(event)s::jsonb || jsonb_build_object(
               'source_id', rating.id,
               'country_codes', to_jsonb(array_remove(string_to_array(item.country_codes, ','), ''))),
           %(now)s::timestamptz, {OUTBOX_DEFAULTS}
    FROM rating, item WHERE %(counts)s::boolean
    RETURNING id
), counters AS (
    UPDATE review_reviewitem
    SET counted_ratings = counted_ratings + CASE WHEN %(counts)s::boolean THEN 1 ELSE 0 END,
        active_leases = active_leases - (SELECT released FROM slot)
    FROM rating WHERE submission_id = %(item)s
)
SELECT item.contributor_id, item.country_bits, item.state, item.counted_ratings, item.active_leases,
       item.needed, slot.released, slot.holds, (SELECT id FROM rating), (SELECT id FROM event),
       CASE WHEN %(counts)s::boolean AND item.counted_ratings + 1 >= item.needed
                 AND EXISTS (SELECT 1 FROM rating) THEN
           (SELECT coalesce(json_agg(json_build_array(r.relevance, r.caption_fit, r.quality_ok, r.flag)), '[]')
            FROM review_rating r WHERE r.item_id = %(item)s AND r.counted)
       END
FROM item, slot
"""  # noqa: S608 - fixed SQL, the values are parameters


def _record_statement(params: dict) -> tuple | None:
    """The item's lock and `_RECORD_SQL`, sent at once (with the transaction's BEGIN) in a pipeline."""
    connection.ensure_connection()
    started = time.monotonic()
    pg = connection.connection
    with connection.wrap_database_errors, psycopg.Cursor(pg) as lock, psycopg.Cursor(pg) as record:
        with pg.pipeline():
            lock.execute(_LOCK_ITEM_SQL, params, prepare=True)
            record.execute(_RECORD_SQL, params, prepare=True)
        row = record.fetchone()
    if connection.queries_logged:
        spent = f"{time.monotonic() - started:.3f}"
        connection.queries_log.extend({"sql": sql, "time": spent} for sql in (_LOCK_ITEM_SQL, _RECORD_SQL))
    return row


def _rating_record_steps(
    *, annotator, item_id: int, answers: Answers, country_codes: list[str], paused: bool
) -> AnswerResult:
    """`rating_record` one query at a time (SQLite, for `make run`)."""
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.contributor_id == annotator.pk:
        raise NotAllowed(_("You cannot rate your own image."))
    if not item.country_bits & country_mask(country_codes):
        raise NotAllowed(_("This image is not from a country you are qualified for."))
    if not answers.skipped and item.state != ReviewItem.State.OPEN:
        raise Conflict(_("This image has already been decided; thank you, it needs no more ratings."))
    now = timezone.now()
    released = leases_release(item_id=item.pk, annotator_id=annotator.pk)
    item.active_leases -= len(released)
    holds_slot = any(expires_at > now for expires_at in released)
    counts = not answers.skipped and not paused
    if counts and not holds_slot and item.counted_ratings + item.active_leases >= item.needed:
        raise Conflict(
            _("Time ran out on this image and it has enough ratings now. Please take the next one.")
        )
    try:
        # No savepoint: the item's row lock serialises this annotator's answers on it, so the only
        # conflict left is a second rating, and then the whole answer is refused.
        rating = Rating.objects.create(
            item=item,
            annotator=annotator,
            skipped=answers.skipped,
            relevance=answers.relevance,
            caption_fit=answers.caption_fit,
            quality_ok=answers.quality_ok,
            flag=answers.flag,
            flag_note=answers.flag_note,
            counted=counts,
            uncounted_reason="paused" if paused and not answers.skipped else "",
        )
    except IntegrityError:
        raise Conflict(_("You already rated this image; a rating cannot be changed.")) from None
    if counts:
        item.counted_ratings += 1
        publish(
            rating_event(rating.pk, annotator.pk, rating.created_at, item.country_codes, EventKind.COUNTED)
        )
    counters = ["counted_ratings", "active_leases"]
    if counts and item.counted_ratings >= item.needed:
        # The counters are saved with the consensus' own update of the row.
        return AnswerResult(counted=counts, decided=consensus_apply(item=item, also_save=counters))
    item.save(update_fields=counters)
    return AnswerResult(counted=counts)


def queue_skip_current(*, annotator) -> None:
    """Skip the item the annotator holds now, if any (a skip answers nothing and frees the slot)."""
    lease = lease_current(annotator=annotator)
    if lease is not None:
        lease_answer(annotator=annotator, key=lease.key, answers=Answers(skipped=True))
