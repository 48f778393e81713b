from django import template

from contributions import reasons

register = template.Library()


@register.filter
def reason_text(item) -> str:
    """``{{ item|reason_text }}``: a stored rejection reason in the reader's language."""
    return reasons.reason_text(item) if hasattr(item, "get") else ""
