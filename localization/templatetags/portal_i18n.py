"""Locale-aware formatting the portal needs beyond Django's own: exact points."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format

register = template.Library()


@register.filter
def points(value) -> str:
    """A points amount in the active language's number format, exact: 0.5 stays 0.5, never rounded.

    Trailing zeros go (`2.50` shows as 2.5, `3.00` as 3); grouping and the decimal separator follow the
    language (Indonesian: 1.234,5). Accepts a Decimal, an int or a numeric string; never a float."""
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    amount = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    return numberformat.format(
        amount,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=None,
        grouping=get_format("NUMBER_GROUPING"),
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
