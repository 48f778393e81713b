"""The JSON API under /api/v1/: one NinjaAPI, one router per app, one error shape.

Every error answers `{"detail": "...", "errors": {field: [messages]}}` with a fitting status.
"""

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from accounts.api_auth import BearerTokenAuth
from campaign.apidocs import EXAMPLES, RETRY_AFTER_STATUSES, STATUS_TEXT, ErrorOut
from campaign.errors import DomainError
from seavl_portal import failures

ERROR_REF = "#/components/schemas/ErrorOut"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def _operation_statuses(operation: dict) -> set[int]:
    """The error statuses every operation of this shape can answer, whatever its service says."""
    statuses = {500, 503}
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(400)  # a parameter or a body that is not valid
    if operation.get("security"):
        statuses.add(401)
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", ())):
        statuses.add(404)
    return statuses


def _error_response(status: int) -> dict:
    response = {
        "description": STATUS_TEXT.get(status, "An error."),
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}, "example": EXAMPLES[status]}},
    }
    if status in RETRY_AFTER_STATUSES:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before the same request can succeed.",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


def document_errors(schema: dict) -> dict:
    """Every operation documents every error status it can answer, with the one error body."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    for path_item in schema.get("paths", {}).values():
        for method in HTTP_METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            # ninja keys responses by int, openapi_extra by str: one key per status, as the JSON has it
            responses = {str(code): value for code, value in operation.get("responses", {}).items()}
            declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            for status in sorted(declared | _operation_statuses(operation)):
                responses[str(status)] = _error_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    return schema


class PortalAPI(NinjaAPI):
    """The portal's API, whose OpenAPI document also lists every error each operation can answer."""

    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = PortalAPI(
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


def refuse_nul_characters(view):
    """A NUL character cannot be stored (PostgreSQL refuses it in text): a query parameter or a JSON body
    holding one is a 400 naming the field's place, before anything reads it. Multipart bodies are left
    to their endpoint (an image's bytes hold NULs; its text fields go through the text rules)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        where = None
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            where = "query"
        elif request.content_type == "application/json" and b"\\u0000" in request.body:
            where = "body"
        if where is not None:
            return error_response(
                request,
                status=400,
                detail=_("Some fields are not valid."),
                errors={where: [_("Text cannot contain NUL characters.")]},
            )
        return view(request, *args, **kwargs)

    return wrapped


api.add_decorator(refuse_nul_characters, mode="view")


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
    from organizers.api import router as organizers_router
    from review.api import router as review_router
    from texttasks.api import router as texttasks_router

    api.add_router("/", accounts_router)
    api.add_router("/", contributions_router)
    api.add_router("/", review_router)
    api.add_router("/", texttasks_router)
    api.add_router("/", organizers_router)


register_routers()
