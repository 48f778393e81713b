"""The screening test of Task 2: drawing a test for the countries applied for, grading it (passing makes
an annotator), and an organizer's grant of another try. What the user may start is a read
(`review.selectors.screening_allowance`)."""

import random
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import ANNOTATOR
from accounts.services import contributor_ensure_can_submit, user_grant_role
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from review.conf import conf
from review.consensus import decision_log_create
from review.models import (
    COUNTRY_BITS,
    AnnotatorQualification,
    ReviewDecisionLog,
    ScreeningAnswer,
    ScreeningAttempt,
    ScreeningExtraTry,
)
from review.selectors import screening_allowance, screening_pool
from review.types import TASK_NUMBER, Answers


def _screening_draw(*, user, codes: list[str], size: int) -> list[int]:
    """A test's items: those the user was never shown first (so a retake cannot be passed from what an
    earlier result page taught), then, when the pool runs out, those they saw longest ago; in random order."""
    pool = list(screening_pool(codes).values_list("pk", flat=True))
    last_seen = dict(
        ScreeningAnswer.objects.filter(attempt__user=user, item_id__in=pool)
        .order_by()
        .values("item_id")
        .annotate(last=Max("attempt__started_at"))
        .values_list("item_id", "last")
    )
    never = datetime.min.replace(tzinfo=UTC)
    random.shuffle(pool)
    pool.sort(key=lambda pk: last_seen.get(pk, never))  # stable: random among equals
    drawn = pool[:size]
    random.shuffle(drawn)
    return drawn


@transaction.atomic
def screening_attempt_start(*, user, country_codes: list[str]) -> ScreeningAttempt:
    """Draw a test for the countries applied for; an unfinished test is returned as it is."""
    contributor_ensure_can_submit(user=user, task_number=TASK_NUMBER)
    codes = sorted({c for c in country_codes if c in COUNTRY_BITS})
    if not codes:
        raise DomainError(_("Choose at least one country whose culture you know."), field="countries")
    # Serialise one user's starts: the open-attempt constraint settles a double click.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = ScreeningAttempt.objects.filter(user=user, submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    allowance = screening_allowance(user=user)
    if not allowance.can_start:
        raise NotAllowed(allowance.message, code="screening_not_allowed")
    size = conf("REVIEW_SCREENING_ITEMS")
    item_ids = _screening_draw(user=user, codes=codes, size=size)
    if len(item_ids) < size:
        raise DomainError(
            _("There are not enough screening items for these countries yet. Please try again later."),
            field="countries",
            code="pool_too_small",
        )
    attempt = ScreeningAttempt.objects.create(user=user, country_codes=codes)
    ScreeningAnswer.objects.bulk_create(
        ScreeningAnswer(attempt=attempt, item_id=item_id, position=i) for i, item_id in enumerate(item_ids)
    )
    return attempt


@transaction.atomic
def screening_attempt_submit(*, user, attempt_id: int, answers: dict[int, Answers]) -> ScreeningAttempt:
    """Grade a test once. Passing makes the user an annotator for the countries applied for."""
    attempt = ScreeningAttempt.objects.select_for_update().filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise NotFound(_("No such screening test."))
    if attempt.submitted_at is not None:
        raise Conflict(_("This test was already submitted."))
    rows = list(attempt.answers.select_related("item"))
    for row in rows:
        given = answers.get(row.item_id)
        try:
            if given is None or given.skipped:
                raise DomainError()
            given = given.validate()
        except DomainError:
            raise DomainError(
                _("Please answer all three questions for image %(n)s.") % {"n": row.position + 1},
                field=f"item-{row.item_id}",
            ) from None
        row.relevance, row.caption_fit, row.quality_ok = given.relevance, given.caption_fit, given.quality_ok
        row.correct = row.item.is_correct(
            relevance=given.relevance, caption_fit=given.caption_fit, quality_ok=given.quality_ok
        )
    ScreeningAnswer.objects.bulk_update(rows, ["relevance", "caption_fit", "quality_ok", "correct"])
    attempt.score = sum(1 for r in rows if r.correct) / len(rows)
    attempt.passed = attempt.score >= conf("REVIEW_SCREENING_PASS_MARK") - 1e-9
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    if attempt.passed:
        user_grant_role(user=user, role=ANNOTATOR)
        AnnotatorQualification.objects.bulk_create(
            [
                AnnotatorQualification(user=user, country_id=code, attempt=attempt)
                for code in attempt.country_codes
            ],
            ignore_conflicts=True,
        )
    return attempt


@transaction.atomic
def screening_grant_try(*, organizer, user_id: int, reason: str) -> ScreeningExtraTry:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this contributor gets another try."), field="reason")
    grant = ScreeningExtraTry.objects.create(user_id=user_id, granted_by=organizer, reason=reason)
    decision_log_create(
        action=ReviewDecisionLog.Action.GRANT_TRY, actor=organizer, subject_user_id=user_id, reason=reason
    )
    return grant
