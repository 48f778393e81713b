"""What organizers listen to: every audited change (`campaign.audit`) goes to the audit log; a
take-down (`contributions.signals.image_removed`) supersedes the releases holding the image."""

from django.dispatch import receiver

from campaign.audit import audit_recorded
from contributions.signals import image_removed


@receiver(audit_recorded, dispatch_uid="organizers-audit-log")
def keep_in_the_log(sender, *, actor, action, target, details, **kwargs) -> None:
    from organizers.services import audit_record

    audit_record(actor=actor, action=action, target=target, details=details)


@receiver(image_removed, dispatch_uid="organizers-supersede-releases")
def supersede_releases(sender, *, submission_id, **kwargs) -> None:
    """A take-down reaches every earlier release that holds the image."""
    from organizers.services import dataset_exports_supersede

    dataset_exports_supersede(submission_id=submission_id)
