"""The audit hook every app calls when a person changes something organizers must be able to trace.

`audit(actor=, action=, target=, details=)` sends `audit_recorded` synchronously, inside the caller's
transaction (so a rolled-back change leaves nothing); `organizers` subscribes and keeps the log. The
deciding apps never import `organizers`.
"""

from django.dispatch import Signal

# Sent with actor=, action=, target=, details=.
audit_recorded = Signal()


def audit(*, actor, action: str, target=None, details: dict | None = None) -> None:
    """`actor` (a user, or None for the system) did `action` ("task.open", "moderation.decide",
    "point_rule.change", "screening_item.change", ...) to `target`; `details` is JSON."""
    audit_recorded.send(sender=None, actor=actor, action=action, target=target, details=details or {})
