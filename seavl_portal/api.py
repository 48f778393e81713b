"""The JSON API under /api/v1/: one NinjaAPI, one router per app, one error shape.

Every error answers `{"detail": "...", "errors": {field: [messages]}}` with a fitting status.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from accounts.api_auth import BearerTokenAuth
from campaign.errors import DomainError
from seavl_portal import failures

api = NinjaAPI(
    title="SEA-VL portal API",
    version="1",
    description="Submit and follow your SEA-VL contributions from scripts. Authenticate with "
    "`Authorization: Bearer <token>`; create a token on your profile page.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=BearerTokenAuth(),
)


def error_response(
    request: HttpRequest, *, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "form", "query", "path", "file")
        ]
        field = location[-1] if location else "__all__"
        if field == "payload" and len(location) > 1:
            field = location[-2]
        errors.setdefault(field, []).append(str(error.get("msg", "Invalid value.")))
    return error_response(request, status=400, detail="Some fields are not valid.", errors=errors)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = {exc.field: [exc.message]} if exc.field else {}
    errors = getattr(exc, "errors", None) or errors  # errors of several fields at once
    response = error_response(request, status=exc.http_status, detail=exc.message, errors=errors)
    if getattr(exc, "retry_after", None):  # seconds until the same request can succeed
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(request, status=401, detail="A valid API token is required.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = error_response(request, status=429, detail="Too many requests. Please slow down.")
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, status=exc.status_code, detail=str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, status=404, detail="Not found.")


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Whatever no handler above took: the database or storage unreachable is a 503 with Retry-After,
    anything else a JSON 500 (logged with its traceback), with DEBUG on or off, never HTML."""
    response = failures.failure_response(request, exc)
    return response if response is not None else failures.api_error_response(request)


@csrf_exempt  # a POST to a wrong path is a 404, not a CSRF page
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Every other path under /api/v1/ (routed last in seavl_portal/urls.py): the API's JSON 404, never
    Django's HTML page, whether DEBUG is on or off."""
    return error_response(request, status=404, detail="Not found.")


def register_routers() -> None:
    from accounts.api import router as accounts_router
    from contributions.api import router as contributions_router
    from review.api import router as review_router
    from texttasks.api import router as texttasks_router

    api.add_router("/", accounts_router)
    api.add_router("/", contributions_router)
    api.add_router("/", review_router)
    api.add_router("/", texttasks_router)


register_routers()
