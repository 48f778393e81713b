"""Campaign times as people read them: in the campaign's zone (settings.TIME_ZONE, Asia/Jakarta), with the
zone named, so a rule effective 2025-03-01 00:00 WIB never reads "from 2025-02-28"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def campaign_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "CAMPAIGN_TIME_ZONE", settings.TIME_ZONE))


def campaign_localtime(moment: datetime) -> datetime:
    return timezone.localtime(moment, campaign_zone())


def campaign_time(moment: datetime | None, *, with_time: bool = True) -> str:
    """`2025-03-01 00:00 WIB (Asia/Jakarta)`; a date only with `with_time=False`; "" for None."""
    if moment is None:
        return ""
    local = campaign_localtime(moment)
    text = local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    zone = campaign_zone().key
    abbreviation = local.strftime("%Z")
    return f"{text} {abbreviation} ({zone})" if abbreviation and abbreviation != zone else f"{text} ({zone})"
