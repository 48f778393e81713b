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


@register.filter
def bulk_warning(item) -> str:
    """``{{ warning|bulk_warning }}``: a bulk import's warning in the reader's language."""
    return reasons.bulk_warning_text(item)


@register.filter
def ignored_file_reason(item) -> str:
    """``{{ item|ignored_file_reason }}``: why a file of a bulk archive was set aside, translated."""
    return reasons.ignored_file_reason_text(item)
