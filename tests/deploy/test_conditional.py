"""Photos streamed by the portal revalidate: ETag and Last-Modified, then 304 without reading the file."""

from datetime import UTC, datetime

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.http import http_date

from campaign.conditional import conditional_file_response

CHANGED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def answer(version="images/ab/cd.webp:0123", **headers):
    opened = []

    def respond():
        opened.append(True)
        return HttpResponse(b"RIFF....WEBP", content_type="image/webp")

    response = conditional_file_response(
        RequestFactory().get("/images/x/thumbnail/", **headers),
        version=version,
        last_modified=CHANGED,
        respond=respond,
    )
    return response, bool(opened)


def test_a_photo_carries_validators_and_an_unchanged_one_costs_a_304_without_opening_the_file():
    first, opened = answer()
    assert first.status_code == 200 and opened
    assert first["ETag"].startswith('"') and first["Last-Modified"] == http_date(CHANGED.timestamp())
    assert first["Cache-Control"] == "private, max-age=3600, must-revalidate"

    again, opened = answer(HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not opened and again.content == b""
    assert again["ETag"] == first["ETag"]

    by_date, opened = answer(HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304 and not opened


def test_another_file_is_sent_in_full():
    first, _ = answer()
    other, opened = answer(version="images/ab/cd.webp:4567", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other.status_code == 200 and opened and other["ETag"] != first["ETag"]
