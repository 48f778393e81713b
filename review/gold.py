"""Hidden gold items of Task 2 and what they decide about an annotator: recording a gold answer, pausing an
annotator whose gold accuracy fell under the bar (their ratings stop counting), and an organizer's
reinstatement. The accuracy itself is a read (`review.selectors.gold_accuracy`)."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.errors import Conflict, DomainError, NotFound
from campaign.events import EventKind, publish
from review.conf import conf
from review.consensus import consensus_apply, decision_log_create
from review.credit import rating_event
from review.models import AnnotatorPause, GoldAnswer, Rating, ReviewDecisionLog, ReviewItem, ReviewLease
from review.selectors import annotator_is_paused, gold_accuracy
from review.types import AnswerResult, Answers


@transaction.atomic
def gold_answer_record(*, annotator, lease_id: int, answers: Answers) -> AnswerResult:
    lease = (
        ReviewLease.objects.select_for_update(of=("self",)).select_related("screening_item").get(pk=lease_id)
    )
    if lease.state == ReviewLease.State.ANSWERED:
        raise Conflict(_("You already rated this image; a rating cannot be changed."))
    item = lease.screening_item
    correct = None
    if not answers.skipped:
        correct = item.is_correct(
            relevance=answers.relevance, caption_fit=answers.caption_fit, quality_ok=answers.quality_ok
        )
    try:
        with transaction.atomic():
            GoldAnswer.objects.create(
                annotator=annotator,
                screening_item=item,
                skipped=answers.skipped,
                relevance=answers.relevance,
                caption_fit=answers.caption_fit,
                quality_ok=answers.quality_ok,
                correct=correct,
            )
    except IntegrityError:
        raise Conflict(_("You already rated this image; a rating cannot be changed.")) from None
    lease.state = ReviewLease.State.ANSWERED
    lease.save(update_fields=["state"])
    if correct is not None:
        gold_check_accuracy(annotator=annotator)
    return AnswerResult(counted=not answers.skipped and not annotator_is_paused(user=annotator))


def gold_check_accuracy(*, annotator) -> bool:
    """Pause an annotator whose gold accuracy fell under the bar. True when paused now."""
    accuracy, n = gold_accuracy(user=annotator)
    if n < conf("REVIEW_GOLD_MIN_ANSWERS") or accuracy >= conf("REVIEW_GOLD_MIN_ACCURACY"):
        return False
    if annotator_is_paused(user=annotator):
        return False
    annotator_pause(
        user=annotator,
        actor=None,
        accuracy=accuracy,
        reason=_("Gold accuracy %(accuracy)d%% over the last %(n)d gold items.")
        % {"accuracy": round(accuracy * 100), "n": n},
    )
    return True


@transaction.atomic
def annotator_pause(*, user, actor, reason: str, accuracy: float | None = None) -> AnnotatorPause | None:
    """Stop counting an annotator's ratings: those on open items leave consensus, all leave points."""
    try:
        with transaction.atomic():
            pause = AnnotatorPause.objects.create(user=user, reason=reason, gold_accuracy=accuracy)
    except IntegrityError:
        return None  # already paused
    counted = Rating.objects.filter(annotator=user, counted=True)
    open_item_ids = sorted(
        counted.filter(item__state=ReviewItem.State.OPEN).values_list("item_id", flat=True)
    )
    uncounted_ids = []
    for item_id in open_item_ids:
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        if item.state != ReviewItem.State.OPEN:
            continue
        rating = Rating.objects.filter(item=item, annotator=user, counted=True).first()
        if rating is None:
            continue
        rating.counted = False
        rating.uncounted_reason = "paused"
        rating.save(update_fields=["counted", "uncounted_reason"])
        uncounted_ids.append(rating.pk)
        item.counted_ratings -= 1
        item.save(update_fields=["counted_ratings"])
    # Every rating of theirs leaves the points ledger while they are paused.
    for rating_id, created_at, codes in Rating.objects.filter(
        Q(counted=True) | Q(pk__in=uncounted_ids), annotator=user
    ).values_list("pk", "created_at", "item__country_codes"):
        publish(rating_event(rating_id, user.pk, created_at, codes, EventKind.REVERSED))
    decision_log_create(
        action=ReviewDecisionLog.Action.PAUSE,
        actor=actor,
        subject_user=user,
        reason=reason,
        data={"gold_accuracy": accuracy},
    )
    return pause


@transaction.atomic
def annotator_reinstate(*, organizer, user_id: int, reason: str) -> AnnotatorPause:
    """An organizer lets a paused annotator's ratings count again (where the images still need them)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this annotator is reinstated."), field="reason")
    pause = (
        AnnotatorPause.objects.select_for_update().filter(user_id=user_id, reinstated_at__isnull=True).first()
    )
    if pause is None:
        raise NotFound(_("This annotator is not paused."))
    pause.reinstated_at = timezone.now()
    pause.reinstated_by = organizer
    pause.reinstate_reason = reason
    pause.save(update_fields=["reinstated_at", "reinstated_by", "reinstate_reason"])
    for rating_id, created_at, codes in Rating.objects.filter(annotator_id=user_id, counted=True).values_list(
        "pk", "created_at", "item__country_codes"
    ):
        publish(rating_event(rating_id, user_id, created_at, codes, EventKind.COUNTED))
    waiting = sorted(
        Rating.objects.filter(
            annotator_id=user_id, counted=False, uncounted_reason="paused", item__state=ReviewItem.State.OPEN
        ).values_list("item_id", flat=True)
    )
    for item_id in waiting:
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        if item.state != ReviewItem.State.OPEN or item.counted_ratings + item.active_leases >= item.needed:
            continue
        rating = Rating.objects.get(item=item, annotator_id=user_id)
        rating.counted = True
        rating.uncounted_reason = ""
        rating.save(update_fields=["counted", "uncounted_reason"])
        item.counted_ratings += 1
        item.save(update_fields=["counted_ratings"])
        publish(rating_event(rating.pk, user_id, rating.created_at, item.country_codes, EventKind.COUNTED))
        if item.counted_ratings >= item.needed:
            consensus_apply(item=item)
    decision_log_create(
        action=ReviewDecisionLog.Action.REINSTATE, actor=organizer, subject_user_id=user_id, reason=reason
    )
    return pause
