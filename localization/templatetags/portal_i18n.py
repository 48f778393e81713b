"""Locale-aware formatting the portal needs beyond Django's own: exact points, the language switcher's
options."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info

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


@register.simple_tag
def language_options(current_language: str) -> SafeString:
    """The language switcher's `<option>`s, each language named in itself, the current one selected.

    On every page: written once per process and current language (they depend on nothing else), not
    through a template loop over `get_language_info_list`."""
    return _language_options(current_language, tuple(code for code, _name in settings.LANGUAGES))


@lru_cache(maxsize=64)
def _language_options(current_language: str, codes: tuple[str, ...]) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}" lang="{}"{}>{}</option>',
        (
            (
                info["code"],
                info["code"],
                mark_safe(" selected") if info["code"] == current_language else "",
                info["name_local"],
            )
            for info in map(get_language_info, codes)
        ),
    )
