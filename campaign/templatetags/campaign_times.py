from django import template

from campaign.times import campaign_time as format_campaign_time

register = template.Library()


@register.filter
def campaign_time(moment, arg: str = "") -> str:
    """`{{ task.closes_at|campaign_time }}`: the moment in the campaign's zone, the zone named;
    `|campaign_time:"date"` for the date only."""
    return format_campaign_time(moment, with_time=arg != "date")
