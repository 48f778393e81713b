"""The portal's own middleware: request ids, health probes, compression, page caching, graceful failure.

Order (see MIDDLEWARE in settings.py): `RequestIdMiddleware` and `HealthCheckMiddleware` come first,
`TextGZipMiddleware` and `PageCacheControlMiddleware` just after WhiteNoise, and
`ServiceUnavailableMiddleware` last, nearest the views.
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control

from seavl_portal import failures, health
from seavl_portal.logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy or the client is kept when it looks like one (no header injection, no
# novel-length log lines); anything else is replaced by a fresh one.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestIdMiddleware:
    """Takes the request's `X-Request-ID` (nginx sets one) or makes one, puts it on every log line
    written while the request runs, and returns it, so a user's report can be found in the logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class HealthCheckMiddleware:
    """/healthz and /readyz for load balancers and compose, answered before host validation, the HTTPS
    redirect and sessions (a probe speaks plain HTTP to the container's own address)."""

    PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation) for text only: HTML, JSON, CSV, SVG. Photos
    and archives streamed by views are already compressed; gzipping them costs CPU and saves nothing."""

    COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/xml")

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)


class PageCacheControlMiddleware:
    """Pages are personal (the user's name, CSRF tokens): a browser may keep one but must ask again
    before showing it (`private, no-cache`), and no shared cache stores it. A view that sets its own
    Cache-Control keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response and response.get("Content-Type", "").startswith(
            ("text/html", "application/json")
        ):
            patch_cache_control(response, private=True, no_cache=True)
        return response


class ServiceUnavailableMiddleware:
    """A view that fails because the database or the storage is unreachable answers 503 with
    Retry-After (JSON under /api/, the friendly page elsewhere); an unexpected error under /api/ answers
    JSON 500. Failures outside views get the same through `seavl_portal.failures.server_error`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return failures.failure_response(request, exception)
