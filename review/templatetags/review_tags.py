from django import template
from django.utils.translation import gettext

from campaign.models import Country

register = template.Library()


@register.simple_tag(takes_context=True)
def country_names(context, codes: str) -> str:
    """'TH,LA' -> 'Laos, Thailand' (names on pages; one query per page render)."""
    names = context.get("_country_names")
    if names is None:
        names = dict(Country.objects.values_list("code", "name"))
        context.dicts[0]["_country_names"] = names
    return ", ".join(
        sorted(gettext(names[code]) if code in names else code for code in (codes or "").split(",") if code)
    )
