"""The audit hook other apps call: `audit_record(actor=..., action=..., target=..., details=...)`.

Kept in its own module (no imports of other apps) so that campaign, review, points and contributions
can call it without depending on the rest of `organizers`.
"""

from django.db import models

from organizers.models import AuditEvent


def audit_record(
    *, actor, action: str, target: models.Model | None = None, details: dict | None = None
) -> AuditEvent:
    """Write one audit event: `actor` (a user or None for the system) did `action` to `target`.

    `action` is a short dotted verb ("task.open", "point_rule.change", "screening_item.change",
    "moderation.decide"); `details` is JSON (before/after values, reasons). Runs inside the caller's
    transaction, so a rolled-back change leaves no event behind.
    """
    target_type = target_id = target_repr = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = str(target)[:200]
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action[:64],
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        details=details or {},
    )
