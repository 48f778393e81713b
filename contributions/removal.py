"""A Task 1 image leaves: its contributor withdraws it while undecided, or an organizer takes it down.
Either way its files are deleted once the change commits; the row stays.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_organizer
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import EventKind, publish
from campaign.text import strip_control_characters
from contributions import storage
from contributions.decisions import image_submission_event
from contributions.errors import InvalidFields
from contributions.models import ImageSubmission
from contributions.selectors import image_submission_lock_own
from contributions.signals import image_removed

# ---------------------------------------------------------------------------------------------
# Withdrawal (the contributor)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def image_submission_withdraw(*, contributor, submission_id: int) -> ImageSubmission:
    """The contributor takes an undecided image back; its files are deleted once this commits."""
    submission = image_submission_lock_own(contributor=contributor, submission_id=submission_id)
    if submission.status == ImageSubmission.Status.WITHDRAWN:
        raise Conflict(_("This image is already withdrawn."), code="already_withdrawn")
    if submission.status == ImageSubmission.Status.REMOVED:
        raise Conflict(_("This image was removed by the organizers."), code="removed")
    if not submission.can_be_withdrawn:
        raise DomainError(_("This image was already decided: it can no longer be withdrawn."))
    names = [submission.original.name, submission.thumbnail.name, submission.display.name]
    submission.status = ImageSubmission.Status.WITHDRAWN
    submission.original.name = submission.thumbnail.name = submission.display.name = ""
    submission.save(update_fields=["status", "original", "thumbnail", "display", "updated_at"])
    transaction.on_commit(lambda: storage.delete_quietly(*names))
    transaction.on_commit(lambda: image_removed.send(sender=ImageSubmission, submission_id=submission.pk))
    return submission


# ---------------------------------------------------------------------------------------------
# Take-down (an organizer, in the admin)
# ---------------------------------------------------------------------------------------------


def image_submission_take_down(*, submission_id: int, actor, reason: str) -> tuple[ImageSubmission, bool]:
    """An organizer takes an image down (a takedown or personal-data request). Returns the image and
    whether this call removed it (False: it was already removed, and nothing changed).

    The rule for the files: a take-down always deletes them (original, display copy, thumbnail), once
    the change commits, whatever the request was. The row stays, without files, so the ledger, the audit
    log and the duplicate checks still refer to it (the same photo cannot be submitted again). An
    accepted image's points are taken back (a REVERSED event); a review item still open closes when the
    review sees the image is no longer in review.
    """
    if not is_organizer(actor):
        raise NotAllowed(_("Only organizers can take an image down."))
    reason = strip_control_characters(str(reason or "")).strip()
    if not reason:
        raise InvalidFields({"reason": [_("Say why the image is taken down.")]})
    with transaction.atomic():
        submission = ImageSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None:
            raise NotFound()
        was = submission.status
        if was == ImageSubmission.Status.REMOVED:
            return submission, False
        names = [
            name
            for name in (submission.original.name, submission.thumbnail.name, submission.display.name)
            if name
        ]
        submission.status = ImageSubmission.Status.REMOVED
        submission.removed_at = timezone.now()
        submission.removal_reason = reason
        submission.original.name = submission.thumbnail.name = submission.display.name = ""
        submission.save(
            update_fields=[
                "status",
                "removed_at",
                "removal_reason",
                "original",
                "thumbnail",
                "display",
                "updated_at",
            ]
        )
        if was == ImageSubmission.Status.ACCEPTED:
            event = image_submission_event(submission, EventKind.REVERSED, reason=reason)
            publish(event._replace(occurred_at=submission.removed_at))
        audit(
            actor=actor,
            action="image.take_down",
            target=submission,
            details={"reason": reason, "status_before": was, "files_deleted": names},
        )
        transaction.on_commit(lambda: storage.delete_quietly(*names))
        transaction.on_commit(lambda: image_removed.send(sender=ImageSubmission, submission_id=submission.pk))
    return submission, True
