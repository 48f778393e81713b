"""Decisions on text submissions (Tasks 3 to 6): by an organizer (one, in bulk, or reversed later) or
by peer validators when the task's moderation policy says so.

Decisions lock the submission row, happen once, and are announced with `campaign.events.publish`.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import ContributionEvent, EventKind, publish
from texttasks.models import TASK_MODELS, ModerationPolicy, PeerValidation, SubmissionStatus, TextSubmission
from texttasks.selectors import moderation_policy_of, validator_speaks

Status = SubmissionStatus


def text_submission_event(submission: TextSubmission, kind: str, *, reason: str = "") -> ContributionEvent:
    """The event the ledger credits: Task 3 and 4 points follow the language, Task 5 and 6 the country."""
    by_language = submission.task_number in (3, 4)
    return ContributionEvent(
        kind=kind,
        task_number=submission.task_number,
        contributor_id=submission.contributor_id,
        source=f"texttasks.{submission._meta.model_name}",
        source_id=submission.pk,
        occurred_at=submission.decided_at or timezone.now(),
        language_code=submission.language_id if by_language else "",
        country_codes=() if by_language else (submission.country_id,),
        reason=reason,
    )


def _decide(submission: TextSubmission, *, accepted: bool, reason: str, decided_by) -> TextSubmission:
    submission.status = Status.ACCEPTED if accepted else Status.REJECTED
    submission.rejection_reason = "" if accepted else reason
    submission.decided_at = timezone.now()
    submission.decided_by = decided_by
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    audit(
        actor=decided_by,
        action="moderation.accept" if accepted else "moderation.reject",
        target=submission,
        details={"task": submission.task_number, "reason": reason},
    )
    publish(
        text_submission_event(
            submission, EventKind.ACCEPTED if accepted else EventKind.REJECTED, reason=reason
        )
    )
    return submission


def _locked_pending(*, task_number: int, submission_id: int) -> TextSubmission:
    model = TASK_MODELS.get(task_number)
    if model is None:
        raise NotFound(_("This task has no text submissions."))
    submission = model.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    if submission.status != Status.PENDING:
        raise Conflict(_("This submission is no longer pending: it was already decided or withdrawn."))
    return submission


# --- Organizers' decisions ---------------------------------------------------------------------------


@transaction.atomic
def text_submission_decide(
    *, task_number: int, submission_id: int, accepted: bool, reason: str = "", decided_by
) -> TextSubmission:
    """An organizer's decision on a pending submission, once; a rejection needs a reason."""
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise DomainError(_("A rejection needs a reason the contributor can read."), field="reason")
    submission = _locked_pending(task_number=task_number, submission_id=submission_id)
    return _decide(submission, accepted=accepted, reason=reason, decided_by=decided_by)


@dataclass
class BulkResult:
    decided: int
    skipped: int


def text_submissions_decide_bulk(
    *, task_number: int, submission_ids: list[int], accepted: bool, reason: str = "", decided_by
) -> BulkResult:
    """The moderation list's bulk action: each submission decided in its own transaction, once."""
    if not accepted and not (reason or "").strip():
        raise DomainError(_("A rejection needs a reason the contributor can read."), field="reason")
    decided = skipped = 0
    for submission_id in submission_ids:
        try:
            text_submission_decide(
                task_number=task_number,
                submission_id=submission_id,
                accepted=accepted,
                reason=reason,
                decided_by=decided_by,
            )
            decided += 1
        except (Conflict, NotFound):
            skipped += 1
    return BulkResult(decided=decided, skipped=skipped)


@transaction.atomic
def text_submission_reverse(
    *, task_number: int, submission_id: int, reason: str, decided_by
) -> TextSubmission:
    """Take back an acceptance (an organizer found a problem later): rejected, and the credit reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Reversing a decision needs a reason."), field="reason")
    model = TASK_MODELS[task_number]
    submission = model.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    if submission.status != Status.ACCEPTED:
        raise Conflict(_("Only an accepted submission can be reversed."))
    submission.status = Status.REJECTED
    submission.rejection_reason = reason
    submission.decided_at = timezone.now()
    submission.decided_by = decided_by
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    audit(
        actor=decided_by,
        action="moderation.reverse",
        target=submission,
        details={"task": submission.task_number, "reason": reason},
    )
    publish(text_submission_event(submission, EventKind.REVERSED, reason=reason))
    return submission


# --- Peer validation ---------------------------------------------------------------------------------


@transaction.atomic
def peer_validation_record(
    *, validator, task_number: int, submission_id: int, accepted: bool, reason: str = ""
) -> TextSubmission:
    """One validator's verdict; the submission is decided when N validators agree, exactly once.

    The submission row is locked, so two validators agreeing at the same moment make one decision.
    """
    contributor_ensure_can_submit(user=validator, task_number=task_number)
    policy = moderation_policy_of(task_number=task_number)
    if policy.mode != ModerationPolicy.Mode.PEERS:
        raise NotAllowed(_("Organizers decide this task's submissions."))
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise DomainError(_("Say why the submission should be rejected."), field="reason")
    submission = _locked_pending(task_number=task_number, submission_id=submission_id)
    if submission.contributor_id == validator.pk:
        raise NotAllowed(_("You cannot validate your own submission."))
    if not validator_speaks(user=validator, submission=submission):
        raise NotAllowed(_("Only speakers of this submission's language can validate it."))
    try:
        with transaction.atomic():
            PeerValidation.objects.create(
                task_number=task_number,
                submission_id=submission.pk,
                validator=validator,
                accepted=accepted,
                reason=reason,
            )
    except IntegrityError:
        raise Conflict(_("You already validated this submission.")) from None
    tally = PeerValidation.objects.filter(task_number=task_number, submission_id=submission.pk).aggregate(
        accepts=Count("pk", filter=Q(accepted=True)), rejects=Count("pk", filter=Q(accepted=False))
    )
    if tally["accepts"] >= policy.validators_needed:
        return _decide(submission, accepted=True, reason="", decided_by=validator)
    if tally["rejects"] >= policy.validators_needed:
        reasons = PeerValidation.objects.filter(
            task_number=task_number, submission_id=submission.pk, accepted=False
        ).values_list("reason", flat=True)
        return _decide(submission, accepted=False, reason="\n".join(reasons), decided_by=validator)
    return submission
