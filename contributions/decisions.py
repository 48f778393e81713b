"""The review's decision on a Task 1 image (used by the review app), its reopening, and the event
every change of an image's standing publishes (campaign.events: the ledger hears it after commit).
"""

import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.errors import Conflict, DomainError
from campaign.events import ContributionEvent, EventKind, event_to_payload, publish
from campaign.outbox import OUTBOX_COLUMNS, OUTBOX_DEFAULTS
from contributions.models import ImageSubmission

# The ContributionEvent.source of Task 1 images (the credit source covers it).
IMAGE_SOURCE = "contributions.imagesubmission"


# ---------------------------------------------------------------------------------------------
# The review's decision (used by the review app)
# ---------------------------------------------------------------------------------------------


def image_submission_decide(
    *, submission_id: int, accepted: bool, reasons: list[dict] | None = None
) -> ImageSubmission:
    """Record the review's decision on an image that is in review, once, and announce it.

    `reasons` is a list of {"code", "message", "params"} (see contributions.reasons: a msgid and its
    values, translated when shown); required when rejecting.

    Inside the caller's transaction without a savepoint of its own (two round trips fewer on the answer
    that decides an image): the refusals are found before anything is written and raised once the block
    is left, so the caller's transaction stays usable (review closes the item when the image left review).
    """
    refusal = None
    with transaction.atomic(savepoint=False):
        submission = ImageSubmission.objects.select_for_update().get(pk=submission_id)
        if submission.status != ImageSubmission.Status.IN_REVIEW:
            refusal = DomainError(_("Only an image in review can be decided."), code="not_in_review")
        elif not accepted and not reasons:
            refusal = DomainError(_("A rejection needs at least one reason."), code="reason_required")
        else:
            submission.status = (
                ImageSubmission.Status.ACCEPTED if accepted else ImageSubmission.Status.REJECTED
            )
            submission.rejection_reasons = [] if accepted else list(reasons)
            submission.decided_at = timezone.now()
            submission.save(update_fields=["status", "rejection_reasons", "decided_at", "updated_at"])
            publish(
                image_submission_event(submission, EventKind.ACCEPTED if accepted else EventKind.REJECTED)
            )
    if refusal is not None:
        raise refusal
    return submission


# `image_submission_decide` as common table expressions of a caller's statement (PostgreSQL; review's
# answer that decides an image writes the decision, its event and its own row in one round trip). The
# caller holds no lock on the image: the UPDATE takes it and re-reads the status under it, so an image
# that left review meanwhile is not decided (`image_decided` is then empty: the caller refuses as
# `image_submission_decide` does). Parameters: %(image_id)s, %(image_status)s ("accepted" or "rejected"),
# %(image_reasons)s (JSON), %(image_decided_at)s and %(image_event)s, the event's payload (JSON) without
# its contributor and countries, which the statement adds. `image_decided_event` returns the outbox id.
IMAGE_DECIDE_CTES = f"""
image_decided AS (
    UPDATE contributions_imagesubmission
    SET status = %(image_status)s, rejection_reasons = %(image_reasons)s::jsonb,
        decided_at = %(image_decided_at)s, updated_at = %(image_decided_at)s
    WHERE id = %(image_id)s AND status = '{ImageSubmission.Status.IN_REVIEW.value}'
    RETURNING id, contributor_id
), image_decided_event AS (
    INSERT INTO campaign_outboxevent {OUTBOX_COLUMNS}
    SELECT %(image_event)s::jsonb || jsonb_build_object(
               'contributor_id', d.contributor_id,
               'country_codes', coalesce((SELECT jsonb_agg(c.country_id ORDER BY c.country_id COLLATE "C")
                                          FROM contributions_imagesubmission_countries c
                                          WHERE c.imagesubmission_id = d.id), '[]'::jsonb)),
           %(image_decided_at)s, {OUTBOX_DEFAULTS}
    FROM image_decided d
    RETURNING id
)"""  # noqa: S608 - fixed SQL, the values are parameters


def image_submission_decide_params(
    *, submission_id: int, accepted: bool, reasons: list[dict] | None, decided_at
) -> dict:
    """The parameters of IMAGE_DECIDE_CTES; refuses a rejection without reasons as
    `image_submission_decide` does (its other refusal, an image no longer in review, shows in the result)."""
    if not accepted and not reasons:
        raise DomainError(_("A rejection needs at least one reason."), code="reason_required")
    status = ImageSubmission.Status.ACCEPTED if accepted else ImageSubmission.Status.REJECTED
    event = event_to_payload(
        ContributionEvent(
            kind=EventKind.ACCEPTED if accepted else EventKind.REJECTED,
            task_number=1,
            contributor_id=0,  # the statement writes the image's
            source=IMAGE_SOURCE,
            source_id=submission_id,
            occurred_at=decided_at,
        )
    )
    return {
        "image_id": submission_id,
        "image_status": str(status),
        "image_reasons": json.dumps([] if accepted else list(reasons)),
        "image_decided_at": decided_at,
        "image_event": json.dumps(event),
    }


def image_submission_event(submission: ImageSubmission, kind: str, *, reason: str = "") -> ContributionEvent:
    return ContributionEvent(
        kind=kind,
        task_number=1,
        contributor_id=submission.contributor_id,
        source=IMAGE_SOURCE,
        source_id=submission.pk,
        occurred_at=submission.decided_at or timezone.now(),
        country_codes=tuple(sorted(submission.countries.values_list("code", flat=True))),
        reason=reason,
    )


@transaction.atomic
def image_submission_reopen(*, submission_id: int, reason: str) -> tuple[ImageSubmission, str]:
    """Send a decided image back to review (an organizer reopened it). Returns it and its former status.

    Taking back an acceptance is announced, so the ledger reverses its credit."""
    submission = ImageSubmission.objects.select_for_update().get(pk=submission_id)
    was = submission.status
    if was in (ImageSubmission.Status.ACCEPTED, ImageSubmission.Status.REJECTED):
        submission.status = ImageSubmission.Status.IN_REVIEW
        submission.rejection_reasons = []
        submission.decided_at = None
        submission.save(update_fields=["status", "rejection_reasons", "decided_at", "updated_at"])
        if was == ImageSubmission.Status.ACCEPTED:
            publish(image_submission_event(submission, EventKind.REVERSED, reason=reason or "reopened"))
    elif was != ImageSubmission.Status.IN_REVIEW:
        raise Conflict(_("This image has left review (withdrawn)."))
    return submission, was
