"""The audit log as organizers read it: the portal's own events and the admin's log."""

from django.contrib.admin.models import LogEntry
from django.db.models import QuerySet

from organizers.models import AuditEvent


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor__profile").order_by("-created_at", "-pk")


def admin_log_entries() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("user__profile", "content_type").order_by("-action_time", "-pk")
