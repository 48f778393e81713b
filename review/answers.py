"""The answer path of Task 2: an annotator's answer to a served item (`lease_answer`), refused when it
comes too fast, recorded as a rating of an image in review (`rating_record`, which decides the item when
it completes the needed count) or as a hidden gold answer (`review.gold`)."""

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import EventKind, publish
from review.conf import conf
from review.consensus import consensus_apply
from review.credit import rating_event
from review.gold import gold_answer_record
from review.models import Rating, ReviewItem, country_mask
from review.queue import leases_release
from review.selectors import (
    annotator_country_codes,
    annotator_gate_with_lease,
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
    contributor_ensure_can_submit(user=annotator, task_number=TASK_NUMBER)
    codes, paused, lease = annotator_gate_with_lease(user=annotator, key=key)
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
    count decides the item, exactly once."""
    answers = answers.validate()
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.contributor_id == annotator.pk:
        raise NotAllowed(_("You cannot rate your own image."))
    if country_codes is None:
        country_codes = annotator_country_codes(user=annotator)
    if not item.country_bits & country_mask(country_codes):
        raise NotAllowed(_("This image is not from a country you are qualified for."))
    if not answers.skipped and item.state != ReviewItem.State.OPEN:
        raise Conflict(_("This image has already been decided; thank you, it needs no more ratings."))
    now = timezone.now()
    released = leases_release(item_id=item.pk, annotator_id=annotator.pk)
    item.active_leases -= len(released)
    if paused is None:
        paused = annotator_is_paused(user=annotator)
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
