"""What a visitor or a script gets when something fails: never a bare "Server Error (500)".

- The database or the file storage (or the broker) unreachable: 503 with `Retry-After`; JSON
  `{"detail": ...}` under /api/, the friendly page `templates/503.html` in the reader's language
  elsewhere. Nothing is half-written: the service that failed raised before or inside its transaction.
- Anything else unexpected under /api/: JSON 500 `{"detail": ...}`, never HTML.

The same answer whichever layer raised: `ServiceUnavailableMiddleware` (the views),
`server_error` (Django's `handler500`: middleware and everything else) and the API's own exception
handler in seavl_portal/api.py.
"""

import json
import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("seavl_portal.failures")

API_PREFIX = "/api/"


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean "a service is unreachable", not "the code is wrong"."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError

        # Refused, timed out (connect or read), closed mid-answer: every endpoint failure of botocore.
        errors += [BotoConnectionError, HTTPClientError]
    except ImportError:  # pragma: no cover - boto3 is a dependency
        pass
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from kombu.exceptions import OperationalError as KombuOperationalError

        errors.append(KombuOperationalError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


UNAVAILABLE_ERRORS = _unavailable_errors()


def is_unavailable(exc: BaseException | None) -> bool:
    """The exception, or one it was raised from, says a backing service is unreachable."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int, detail: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail, "errors": {}}), status=status, content_type="application/json"
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    retry_after = settings.SERVICE_UNAVAILABLE_RETRY_AFTER
    if is_api(request):
        response = _json(503, _("The service is briefly unavailable. Please retry in a moment."))
    else:
        # Rendered without the request: context processors would reach for the session and the user,
        # which live in the database that may be the thing that is down.
        html = loader.render_to_string("503.html", {"retry_after": retry_after})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def api_error_response(request: HttpRequest) -> HttpResponse:
    return _json(500, _("Something went wrong on our side. It has been logged; please try again later."))


def failure_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The response for an exception nothing else handled, or None to let Django answer (HTML 500)."""
    if is_unavailable(exc):
        logger.warning(
            "Service unavailable: %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc
        )
        return unavailable_response(request)
    if is_api(request):
        logger.error("Unexpected error on %s %s", request.method, request.path, exc_info=exc)
        return api_error_response(request)
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500 (DEBUG off): called inside the `except` of whatever failed, so the exception
    is at hand; Django has logged it already."""
    exc = sys.exc_info()[1]
    if is_unavailable(exc):
        return unavailable_response(request)
    if is_api(request):
        return api_error_response(request)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
