"""The upload page's limits, for the script that checks a photo in the browser before sending it."""

from django import template

from contributions import conf

register = template.Library()


@register.simple_tag
def min_short_side() -> int:
    return conf.min_short_side()


@register.simple_tag
def max_upload_bytes() -> int:
    return conf.max_upload_bytes()
