from django import template

register = template.Library()


@register.simple_tag
def chart(spec):
    """Render a chart spec (organizers.charts) as inline SVG."""
    return spec.render()
