from django import template

from points.reasons import reason_text

register = template.Library()


@register.filter
def ledger_reason(entry) -> str:
    """`{{ entry|ledger_reason }}`: a ledger entry's reason in the reader's language (see points.reasons)."""
    return reason_text(reason=entry.reason, source=entry.source, source_id=entry.source_id)
