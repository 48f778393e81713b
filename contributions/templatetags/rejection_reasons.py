from django import template

from contributions import reasons

register = template.Library()


@register.filter
def reason_text(item) -> str:
    """``{{ item|reason_text }}``: a stored rejection reason in the reader's language."""
    return reasons.reason_text(item) if hasattr(item, "get") else ""


@register.filter
def bulk_row_reason(row) -> str:
    """``{{ row|bulk_row_reason }}``: why a bulk import's row was not imported, in the reader's language."""
    return reasons.bulk_row_reason_text(row.reasons, row.legacy_reason)
