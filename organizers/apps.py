from django.apps import AppConfig


class OrganizersConfig(AppConfig):
    name = "organizers"
    verbose_name = "Organizers"

    def ready(self) -> None:
        from campaign.audit import audit_recorded

        audit_recorded.connect(_keep_in_the_log, dispatch_uid="organizers-audit-log")


def _keep_in_the_log(sender, *, actor, action, target, details, **kwargs) -> None:
    from organizers.audit import audit_record

    audit_record(actor=actor, action=action, target=target, details=details)
