"""Task 2's decisions: the consensus rule over counted ratings, applying it to an item, the organizers'
adjudication and reopening, and the decision log every organizer decision is kept in."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotFound
from campaign.prepared import prepared_fetchall
from contributions.decisions import (
    IMAGE_DECIDE_CTES,
    image_submission_decide,
    image_submission_decide_params,
    image_submission_reopen,
)
from contributions.reasons import REASON_MESSAGES, rejection_reason
from review.conf import conf
from review.models import Flag, Rating, ReviewDecisionLog, ReviewItem


@dataclass(frozen=True)
class Verdict:
    kind: str  # "accept", "reject", "more" (one more rating), "adjudicate"
    reasons: tuple = ()
    adjudication_reason: str = ""


def consensus_evaluate(ratings: list[tuple[int, bool, bool, str]], *, max_ratings: int) -> Verdict:
    """The consensus rule over counted ratings (relevance, caption_fit, quality_ok, flag).

    Accepted: mean relevance >= REVIEW_MIN_MEAN_RELEVANCE, most say it fits, most say the quality is fine,
    and no blocking flag (a flagged image that would be accepted goes to an organizer). A split the rule
    cannot settle (mean in [REVIEW_SPLIT_MEAN_FROM, REVIEW_MIN_MEAN_RELEVANCE) or a yes/no tie) gets one
    more rating, up to `max_ratings`, then goes to an organizer.
    """
    n = len(ratings)
    mean = sum(r[0] for r in ratings) / n
    fits = sum(1 for r in ratings if r[1])
    quality = sum(1 for r in ratings if r[2])
    flagged = any(r[3] for r in ratings)
    bar, split_from = conf("REVIEW_MIN_MEAN_RELEVANCE"), conf("REVIEW_SPLIT_MEAN_FROM")
    split = split_from <= mean < bar or fits * 2 == n or quality * 2 == n
    if split:
        return Verdict("more") if n < max_ratings else Verdict("adjudicate", adjudication_reason="split")
    reasons = []
    if mean < bar:
        reasons.append("low_cultural_relevance")
    if fits * 2 < n:
        reasons.append("caption_mismatch")
    if quality * 2 < n:
        reasons.append("low_quality")
    if reasons:
        return Verdict("reject", tuple(reasons))
    if flagged:
        return Verdict("adjudicate", adjudication_reason="flag")
    return Verdict("accept")


def _reasons(codes) -> list[dict]:
    return [rejection_reason(code, REASON_MESSAGES[code]) for code in codes]


def _decide(item: ReviewItem, *, accepted: bool, reasons: list[dict], also_save=()) -> bool:
    try:
        image_submission_decide(submission_id=item.pk, accepted=accepted, reasons=reasons)
    except DomainError:
        item.state = ReviewItem.State.CLOSED  # the image left review meanwhile (withdrawn)
        item.save(update_fields=["state", *also_save])
        return False
    item.state = ReviewItem.State.DECIDED
    item.outcome = ReviewItem.Outcome.ACCEPTED if accepted else ReviewItem.Outcome.REJECTED
    item.decided_at = timezone.now()
    item.save(update_fields=["state", "outcome", "decided_at", *also_save])
    return True


def consensus_apply(*, item: ReviewItem, also_save=()) -> bool:
    """Apply the rule to an item whose counted ratings reached the needed number. The caller holds the
    item's row lock (and may name fields it changed, saved in the same update). True when decided now."""
    ratings = list(
        Rating.objects.filter(item=item, counted=True).values_list(
            "relevance", "caption_fit", "quality_ok", "flag"
        )
    )
    verdict = consensus_evaluate(ratings, max_ratings=max(conf("REVIEW_RATINGS_MAX"), item.needed))
    if verdict.kind == "more":
        item.needed = len(ratings) + 1
        item.save(update_fields=["needed", *also_save])
        return False
    if verdict.kind == "adjudicate":
        item.state = ReviewItem.State.ADJUDICATION
        item.adjudication_reason = verdict.adjudication_reason
        item.save(update_fields=["state", "adjudication_reason", *also_save])
        return False
    return _decide(
        item, accepted=verdict.kind == "accept", reasons=_reasons(verdict.reasons), also_save=also_save
    )


# `_decide` for the answer that completes the count (PostgreSQL): the image's decision, its event and the
# item's own row in one statement; the item is CLOSED instead when the image left review meanwhile.
_DECIDE_SQL = f"""
WITH {IMAGE_DECIDE_CTES}, item AS (
    UPDATE review_reviewitem
    SET state = CASE WHEN EXISTS (SELECT 1 FROM image_decided) THEN %(decided)s ELSE %(closed)s END,
        outcome = CASE WHEN EXISTS (SELECT 1 FROM image_decided) THEN %(outcome)s ELSE outcome END,
        decided_at = CASE WHEN EXISTS (SELECT 1 FROM image_decided) THEN %(image_decided_at)s ELSE decided_at END
    WHERE submission_id = %(image_id)s
)
SELECT (SELECT id FROM image_decided_event)
"""  # noqa: S608 - fixed SQL, the values are parameters


def consensus_apply_counted(
    *, item_id: int, needed: int, ratings: list[tuple[int, bool, bool, str]]
) -> int | None:
    """`consensus_apply` when the caller already read the counted ratings and saved the item's counters
    (the answer's one statement, PostgreSQL). The caller holds the item's row lock. When the item is
    decided now, the id of the decision's outbox row, whose delivery the caller queues
    (`campaign.outbox.outbox_events_written`, with its own rows: one message); else None."""
    verdict = consensus_evaluate(ratings, max_ratings=max(conf("REVIEW_RATINGS_MAX"), needed))
    items = ReviewItem.objects.filter(pk=item_id)
    if verdict.kind == "more":
        items.update(needed=len(ratings) + 1)
        return None
    if verdict.kind == "adjudicate":
        items.update(state=ReviewItem.State.ADJUDICATION, adjudication_reason=verdict.adjudication_reason)
        return None
    accepted = verdict.kind == "accept"
    params = image_submission_decide_params(
        submission_id=item_id, accepted=accepted, reasons=_reasons(verdict.reasons), decided_at=timezone.now()
    )
    params.update(
        decided=ReviewItem.State.DECIDED.value,
        closed=ReviewItem.State.CLOSED.value,
        outcome=(ReviewItem.Outcome.ACCEPTED if accepted else ReviewItem.Outcome.REJECTED).value,
    )
    (event_id,) = prepared_fetchall(_DECIDE_SQL, params)[0]
    return event_id  # None: the image left review meanwhile, and the item is closed


def decision_log_create(**fields) -> ReviewDecisionLog:
    """Keep an organizer's decision in review's own log and in the campaign's audit log."""
    entry = ReviewDecisionLog.objects.create(**fields)
    audit(
        actor=entry.actor,
        action=f"review.{entry.action}",
        target=entry.item,
        details={"reason": entry.reason, "subject_user_id": entry.subject_user_id, **(entry.data or {})},
    )
    return entry


@transaction.atomic
def adjudication_decide(
    *, organizer, item_id: int, accepted: bool, reason: str, upheld_flag: str = ""
) -> ReviewItem:
    """An organizer settles an item the rule could not (a split or a flag)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you decide so; the contributor sees it when rejected."), field="reason")
    if upheld_flag and (upheld_flag not in Flag.values or accepted):
        # Translators: a flag is an annotator's report of a problem (a glossary term), not a national flag.
        raise DomainError(_("Only a rejection can uphold a flag."), field="upheld_flag")
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.state != ReviewItem.State.ADJUDICATION:
        raise Conflict(_("This image is not waiting for an organizer's decision."))
    if accepted:
        reasons = []
    elif upheld_flag:
        reasons = [rejection_reason(upheld_flag, REASON_MESSAGES[upheld_flag], note=reason)]
    else:
        reasons = [rejection_reason("organizer_decision", "", note=reason)]  # the organizer's own words
    if not _decide(item, accepted=accepted, reasons=reasons):
        raise Conflict(_("This image has left review (withdrawn)."))
    decision_log_create(
        action=ReviewDecisionLog.Action.ADJUDICATE_ACCEPT
        if accepted
        else ReviewDecisionLog.Action.ADJUDICATE_REJECT,
        actor=organizer,
        item=item,
        subject_user_id=item.contributor_id,
        reason=reason,
        data={"upheld_flag": upheld_flag, "adjudication_reason": item.adjudication_reason},
    )
    return item


@transaction.atomic
def item_reopen(*, organizer, item_id: int, reason: str) -> ReviewItem:
    """An organizer sends a decided image back to the queue for more ratings. Earlier ratings stay."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this image is reopened."), field="reason")
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.state not in (ReviewItem.State.DECIDED, ReviewItem.State.ADJUDICATION):
        raise Conflict(_("Only a decided image, or one waiting for an organizer, can be reopened."))
    submission, was = image_submission_reopen(submission_id=item.pk, reason=reason)
    previous = item.state
    item.state = ReviewItem.State.OPEN
    item.outcome = ""
    item.decided_at = None
    item.adjudication_reason = ""
    item.needed = item.counted_ratings + conf("REVIEW_REOPEN_EXTRA_RATINGS")
    item.save(update_fields=["state", "outcome", "decided_at", "adjudication_reason", "needed"])
    decision_log_create(
        action=ReviewDecisionLog.Action.REOPEN,
        actor=organizer,
        item=item,
        subject_user_id=item.contributor_id,
        reason=reason,
        data={"previous_state": previous, "previous_status": was},
    )
    return item
