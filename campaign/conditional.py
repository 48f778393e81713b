"""Revalidation for files the portal streams itself (photos on local disk): `ETag` and `Last-Modified`
on the answer, `304 Not Modified` without opening the file when the browser already has it.

contributions/files.py serves photos from local disk through it; on S3 the view redirects to a signed
URL and the bucket answers conditional requests itself (S3 sends ETag and Last-Modified and honours
If-None-Match); the redirect stays `no-store`.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

# Private (only the signed-in viewer's browser keeps it), fresh for an hour, then asked again: a photo
# taken down stops showing within the hour, and an unchanged one costs a 304, not its bytes.
PHOTO_CACHE_CONTROL = "private, max-age=3600, must-revalidate"


def conditional_file_response(
    request: HttpRequest,
    *,
    version: str,
    last_modified: datetime | None,
    respond: Callable[[], HttpResponse],
    cache_control: str = PHOTO_CACHE_CONTROL,
) -> HttpResponse:
    """`respond()`'s answer with validators, or a 304 (`respond` not called) when the browser's copy is
    current. `version` names the content exactly (a stored name and its hash): a different file, a
    different ETag."""
    etag = quote_etag(hashlib.sha256(version.encode()).hexdigest()[:32])
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    response = not_modified if not_modified is not None else respond()
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    response["Cache-Control"] = cache_control
    return response
