"""What organizers listen to: every audited change (`campaign.audit`) goes to the audit log."""

from django.dispatch import receiver

from campaign.audit import audit_recorded


@receiver(audit_recorded, dispatch_uid="organizers-audit-log")
def keep_in_the_log(sender, *, actor, action, target, details, **kwargs) -> None:
    from organizers.services import audit_record

    audit_record(actor=actor, action=action, target=target, details=details)
