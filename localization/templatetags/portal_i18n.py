"""Locale-aware formatting the portal needs beyond Django's own: exact points, the language switcher's
options, fragments rendered once per language (`rendered_once`)."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info

from localization.fragments import FragmentStore

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


class RenderedOnceNode(template.Node):
    # Searches of the template's nodes (`{% extends %}` looks for every block at each page) stop here:
    # nothing inside is a block (refused when the template is read).
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList, values: list) -> None:
        self.nodelist = nodelist
        self.values = values
        self.copies = FragmentStore()  # one per place in a template (the compiled template is kept)

    def render(self, context) -> str:
        key = tuple(value.resolve(context) for value in self.values)
        return self.copies.get_or_render(key, lambda: self.nodelist.render(context))


@register.tag
def rendered_once(parser, token) -> RenderedOnceNode:
    """`{% rendered_once a b %}...{% endrendered_once %}`: the markup inside, rendered once per process for
    the active language and time zone and the values named, then copied (localization.fragments).

    For what every reader of a language sees alike (the menu, the footer); whatever else it depends on
    must be named. A `{% block %}` (each page fills it otherwise) or a `{% csrf_token %}` (each viewer's
    own) inside is refused when the template is read."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endrendered_once",))
    parser.delete_first_token()
    for kind in (BlockNode, CsrfTokenNode):
        if nodelist.get_nodes_by_type(kind):
            raise template.TemplateSyntaxError(
                f"{{% rendered_once %}} cannot hold a {kind.__name__}: it differs per page or per viewer"
            )
    return RenderedOnceNode(nodelist, values)
