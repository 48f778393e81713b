"""The reader's own time zone: pages show times in it, not in the campaign's (Asia/Jakarta) for everyone.

The browser says its zone (js/language-switcher.js keeps `Intl.DateTimeFormat().resolvedOptions().timeZone`
in the `tz` cookie); without it, or with a zone Python does not know, times stay in settings.TIME_ZONE.
"""

from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

COOKIE_NAME = "tz"


def reader_zone(name: str | None) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class ReaderTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = reader_zone(unquote(request.COOKIES.get(COOKIE_NAME, "")))
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
