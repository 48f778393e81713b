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

from accounts.services import (
    CONTRIBUTOR_GATE_COLUMNS,
    CONTRIBUTOR_GATE_SQL,
    contributor_gate_check,
    contributor_gate_profile_from,
)
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import EventKind, event_to_payload, publish
from campaign.outbox import OUTBOX_COLUMNS, OUTBOX_DEFAULTS, outbox_events_written
from review.conf import conf
from review.consensus import consensus_apply, consensus_apply_counted
from review.credit import rating_event
from review.gold import gold_answer_record
from review.models import Rating, ReviewItem, ReviewLease, country_mask
from review.queue import COUNTRY_BIT_SQL, leases_release
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
    """Record the answer to a served item: a rating of an image in review or a hidden gold answer.

    PostgreSQL: the gates, the lease, the item's lock and the rating in one round trip
    (`_lease_answer_at_once`), the decision when due in one more, then the commit. Elsewhere, and for an
    answer the form refuses (so that the refusals keep their order), the reads one by one."""
    try:
        valid = answers.validate()
    except DomainError:
        valid = None
    if connection.vendor != "postgresql" or valid is None:
        return _lease_answer_steps(annotator=annotator, key=key, answers=answers)
    return _lease_answer_at_once(annotator=annotator, key=key, answers=valid)


def _lease_answer_steps(*, annotator, key, answers: Answers) -> AnswerResult:
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


@transaction.atomic
def _lease_answer_at_once(*, annotator, key, answers: Answers) -> AnswerResult:
    """`_lease_answer_steps` with its reads in the statement that records the rating (PostgreSQL).

    The statement writes only when its gates, written in SQL, let the answer through (accounts'
    CONTRIBUTOR_GATE_SQL, a qualification, the lease of this key on an image, the pacing); Python then
    refuses from what it read, as `_lease_answer_steps` does and in its order, and a refusal rolls the
    transaction back."""
    now = timezone.now()
    minimum = conf("REVIEW_MIN_SECONDS_PER_ITEM")
    params = _record_params(annotator=annotator, answers=answers, now=now)
    params.update(
        key=key,
        gate_user=annotator.pk,
        gate_task=TASK_NUMBER,
        gate_now=now,
        served_before=now - timedelta(seconds=minimum) if minimum and not answers.skipped else None,
    )
    row = _record_statement(_LOCK_LEASED_ITEM_SQL, _ANSWER_SQL, params)
    profile, _passes = contributor_gate_profile_from(user=annotator, values=row[:12])
    if profile is None or profile.gate_task_status is None:  # refused, or a race: the reads one by one
        contributor_gate_check(user=annotator, task_number=TASK_NUMBER, profile=profile)
        return _lease_answer_steps(annotator=annotator, key=key, answers=answers)
    contributor_gate_check(user=annotator, task_number=TASK_NUMBER, profile=profile, now=now)
    codes, paused, lease_id, item_id, screening_item_id, served_at, admitted = row[12:19]
    if not codes:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    if lease_id is None:
        raise NotFound(_("This item is no longer yours to rate. Please take the next one."))
    if not answers.skipped:
        _ensure_paced(served_at=served_at, now=now)
    if screening_item_id is not None:
        return gold_answer_record(annotator=annotator, lease_id=lease_id, answers=answers)
    codes = sorted(codes)
    if not admitted:  # the statement's gates refused what Python's let through (a race): nothing written
        return rating_record(
            annotator=annotator, item_id=item_id, answers=answers, country_codes=codes, paused=paused
        )
    return _rating_recorded(
        row[19:],
        annotator=annotator,
        item_id=item_id,
        answers=answers,
        mask=country_mask(codes),
        paused=paused,
    )


def _ensure_paced(*, served_at, now=None) -> None:
    """Refuse an answer that comes sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served (an
    image in review and a gold item alike); nothing is written, so the same lease can answer again."""
    minimum = conf("REVIEW_MIN_SECONDS_PER_ITEM")
    now = now or timezone.now()
    if minimum and now - served_at < timedelta(seconds=minimum):
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
        remaining = timedelta(seconds=minimum) - (now - served_at)
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
    params = _record_params(annotator=annotator, answers=answers, now=timezone.now())
    params.update(item=item_id, mask=country_mask(country_codes), paused=paused)
    row = _record_statement(_LOCK_ITEM_SQL, _RECORD_SQL, params)
    return _rating_recorded(
        row, annotator=annotator, item_id=item_id, answers=answers, mask=params["mask"], paused=paused
    )


def _record_params(*, annotator, answers: Answers, now) -> dict:
    # The COUNTED event but for the rating's id and the item's countries, which the statement adds.
    event = event_to_payload(rating_event(0, annotator.pk, now, "", EventKind.COUNTED))
    return {
        "me": annotator.pk,
        "skipped": answers.skipped,
        "now": now,
        "relevance": answers.relevance,
        "caption_fit": answers.caption_fit,
        "quality_ok": answers.quality_ok,
        "flag": answers.flag,
        "flag_note": answers.flag_note,
        "event": json.dumps(event),
    }


def _rating_recorded(
    row, *, annotator, item_id: int, answers: Answers, mask: int, paused: bool
) -> AnswerResult:
    """The refusals of `_rating_record_steps`, in its order, from what the recording statement read (the
    item's row as it was under the lock); then consensus when the rating completed the count, and the
    outbox rows' delivery queued."""
    contributor_id, bits, state, counted, active, needed, released, holds, rating_id, event_id, ratings = row
    if contributor_id is None:
        raise NotFound(_("No such image in review."))
    if contributor_id == annotator.pk:
        raise NotAllowed(_("You cannot rate your own image."))
    if not bits & mask:
        raise NotAllowed(_("This image is not from a country you are qualified for."))
    if not answers.skipped and state != ReviewItem.State.OPEN:
        raise Conflict(_("This image has already been decided; thank you, it needs no more ratings."))
    counts = not answers.skipped and not paused
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
# ITEM, MASK, COUNTS and UNCOUNTED are the item's id, the annotator's country mask, whether the rating
# counts and why not: parameters of `rating_record`, read by the statement itself in `_ANSWER_SQL`.
_RECORD_CTES = f"""
item AS (
    SELECT contributor_id, country_bits, country_codes, state, needed, counted_ratings, active_leases,
           contributor_id <> %(me)s AND (country_bits & MASK) > 0
           AND (%(skipped)s::boolean OR state = '{ReviewItem.State.OPEN.value}') AS admitted
    FROM review_reviewitem WHERE submission_id = ITEM
), released AS (
    UPDATE review_reviewlease SET state = '{ReviewLease.State.ANSWERED.value}'
    WHERE item_id = ITEM AND annotator_id = %(me)s AND state = '{ReviewLease.State.ACTIVE.value}'
      AND (SELECT admitted FROM item)
    RETURNING expires_at
), slot AS (
    SELECT count(*)::int AS released, coalesce(bool_or(expires_at > %(now)s::timestamptz), false) AS holds
    FROM released
), rating AS (
    INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok, flag,
                               flag_note, counted, uncounted_reason, created_at)
    SELECT ITEM, %(me)s, %(skipped)s::boolean, %(relevance)s::smallint, %(caption_fit)s::boolean,
           %(quality_ok)s::boolean, %(flag)s::varchar, %(flag_note)s::varchar, COUNTS, UNCOUNTED,
           %(now)s::timestamptz
    FROM item, slot
    WHERE item.admitted AND NOT (COUNTS AND NOT slot.holds
                                 AND item.counted_ratings + item.active_leases - slot.released >= item.needed)
    ON CONFLICT ON CONSTRAINT rating_once_per_annotator DO NOTHING
    RETURNING id
), event AS (
    INSERT INTO campaign_outboxevent {OUTBOX_COLUMNS}
    SELECT %(event)s::jsonb || jsonb_build_object(
               'source_id', rating.id,
               'country_codes', to_jsonb(array_remove(string_to_array(item.country_codes, ','), ''))),
           %(now)s::timestamptz, {OUTBOX_DEFAULTS}
    FROM rating, item WHERE COUNTS
    RETURNING id
), counters AS (
    UPDATE review_reviewitem
    SET counted_ratings = counted_ratings + CASE WHEN COUNTS THEN 1 ELSE 0 END,
        active_leases = active_leases - (SELECT released FROM slot)
    FROM rating WHERE submission_id = ITEM
)"""  # noqa: S608 - fixed SQL, the values are parameters
_RECORD_COLUMNS = """
       item.contributor_id, item.country_bits, item.state, item.counted_ratings, item.active_leases,
       item.needed, slot.released, slot.holds, (SELECT id FROM rating), (SELECT id FROM event),
       CASE WHEN COUNTS AND item.counted_ratings + 1 >= item.needed AND EXISTS (SELECT 1 FROM rating) THEN
           (SELECT coalesce(json_agg(json_build_array(r.relevance, r.caption_fit, r.quality_ok, r.flag)), '[]')
            FROM review_rating r WHERE r.item_id = ITEM AND r.counted)
       END"""


def _record_sql(text: str, *, item: str, mask: str, counts: str, uncounted: str) -> str:
    return (
        text.replace("ITEM", item)
        .replace("MASK", mask)
        .replace("COUNTS", counts)
        .replace("UNCOUNTED", uncounted)
    )


_RECORD_SQL = _record_sql(
    f"WITH {_RECORD_CTES}\nSELECT {_RECORD_COLUMNS}\nFROM item, slot",
    item="%(item)s",
    mask="%(mask)s::bigint",
    counts="(NOT %(skipped)s::boolean AND NOT %(paused)s::boolean)",
    uncounted="(CASE WHEN %(paused)s::boolean AND NOT %(skipped)s::boolean THEN 'paused' ELSE '' END)",
)

# The lock of the item this annotator's lease of this key is on (none for a gold item or another's key).
_LOCK_LEASED_ITEM_SQL = """
SELECT 1 FROM review_reviewitem
WHERE submission_id = (SELECT item_id FROM review_reviewlease WHERE key = %(key)s AND annotator_id = %(me)s)
FOR UPDATE
"""

# `_lease_answer_steps`' reads and `_RECORD_SQL` in one statement: the contributor's gate
# (accounts.services.CONTRIBUTOR_GATE_SQL), the qualifications (as codes and as the country mask), the
# pause and the lease of this key, then the recording, which writes only when `admitted` (the gates let
# the answer through and the lease is on an image). One row always: the item's columns are NULL when
# nothing was recorded.
_ANSWER_SQL = _record_sql(
    f"""
WITH contributor AS ({CONTRIBUTOR_GATE_SQL}
), gate AS (
    SELECT coalesce(array_agg(q.country_id ORDER BY q.country_id), '{{}}') AS codes,
           coalesce(bit_or({COUNTRY_BIT_SQL}), 0)::bigint AS mask,
           EXISTS (SELECT 1 FROM review_annotatorpause p WHERE p.user_id = %(me)s AND p.reinstated_at IS NULL)
               AS paused
    FROM review_annotatorqualification q WHERE q.user_id = %(me)s
), answered AS (
    SELECT gate.*, l.id AS lease_id, l.item_id, l.screening_item_id, l.created_at AS served_at,
           coalesce((SELECT gate_passes FROM contributor), false) AND cardinality(gate.codes) > 0
           AND l.item_id IS NOT NULL
           AND (%(served_before)s::timestamptz IS NULL OR l.created_at <= %(served_before)s::timestamptz)
               AS admitted
    FROM gate LEFT JOIN review_reviewlease l ON l.key = %(key)s AND l.annotator_id = %(me)s
), {_RECORD_CTES}
SELECT {CONTRIBUTOR_GATE_COLUMNS},
       a.codes, a.paused, a.lease_id, a.item_id, a.screening_item_id, a.served_at, a.admitted, {_RECORD_COLUMNS}
FROM answered a LEFT JOIN contributor ON true LEFT JOIN slot ON true LEFT JOIN item ON true
""",  # noqa: S608 - fixed SQL, the values are parameters
    item="(SELECT item_id FROM answered WHERE admitted)",
    mask="(SELECT mask FROM answered)",
    counts="(NOT %(skipped)s::boolean AND NOT (SELECT paused FROM answered))",
    uncounted="(CASE WHEN (SELECT paused FROM answered) AND NOT %(skipped)s::boolean THEN 'paused' ELSE '' END)",
)


def _record_statement(lock_sql: str, record_sql: str, params: dict) -> tuple:
    """A lock and the statement that records under it, sent at once (with the transaction's BEGIN) in a
    pipeline: one round trip."""
    connection.ensure_connection()
    started = time.monotonic()
    pg = connection.connection
    with connection.wrap_database_errors, psycopg.Cursor(pg) as lock, psycopg.Cursor(pg) as record:
        with pg.pipeline():
            lock.execute(lock_sql, params, prepare=True)
            record.execute(record_sql, params, prepare=True)
        row = record.fetchone()
    if connection.queries_logged:
        spent = f"{time.monotonic() - started:.3f}"
        connection.queries_log.extend({"sql": sql, "time": spent} for sql in (lock_sql, record_sql))
    return row if row is not None else (None,) * 11


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
