"""The API's one error body, as the OpenAPI document shows it: `{"detail": str, "errors": {field: [str]}}`.

Endpoints name the statuses their services can answer (`response={201: ImageOut, **errors(403, 409)}`);
the statuses every operation of its shape can answer (400 for a parameter or a body, 401 under the
token, 404 for a path parameter, 500 and 503) are added to the document by seavl_portal/api.py, with
an example each and `Retry-After` on 429 and 503.
"""

from ninja import Field, Schema

STATUS_TEXT = {
    400: "The request is not valid: `errors` names each field and what is wrong with it.",
    401: "No valid API token: send `Authorization: Bearer <token>` (create one on your profile page).",
    403: "Not allowed: the task is closed, your profile is incomplete, or your role does not allow it.",
    404: "Not found, or not yours.",
    409: "Conflicts with what exists: already submitted, or not in a state that allows this.",
    413: "The body is too large (an image is at most 25 MB).",
    415: "The file's type is not one the portal accepts (JPEG, PNG, WebP or HEIC; ZIP for a bulk import).",
    429: "Too many requests: wait `Retry-After` seconds.",
    500: "Something went wrong on the portal's side (it is logged); retry later.",
    503: "The portal's database or storage is briefly unavailable: retry after `Retry-After` seconds.",
}

EXAMPLES = {
    400: {"detail": "Some fields are not valid.", "errors": {"page": ["Input should be greater than or equal to 1"]}},
    401: {"detail": "A valid API token is required.", "errors": {}},
    403: {"detail": "This task is not open for contributions.", "errors": {}},
    404: {"detail": "Not found.", "errors": {}},
    409: {"detail": "This was already submitted.", "errors": {}},
    413: {"detail": "The file is too large (at most 25 MB).", "errors": {"image": ["The file is too large."]}},
    415: {"detail": "This file type is not accepted.", "errors": {"image": ["Send a JPEG, PNG, WebP or HEIC."]}},
    429: {"detail": "Too many requests. Please slow down.", "errors": {}},
    500: {"detail": "Something went wrong on our side. It has been logged; please try again later.", "errors": {}},
    503: {"detail": "The service is briefly unavailable. Please retry in a moment.", "errors": {}},
}

RETRY_AFTER_STATUSES = (429, 503)


class ErrorOut(Schema):
    """Every error of the API."""

    detail: str = Field(..., description="What went wrong, in the request's language.")
    errors: dict[str, list[str]] = Field(
        ..., description="The messages per field (`__all__`: the request as a whole); often empty."
    )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error statuses an endpoint can answer beyond those of its shape, for its `response=`."""
    return dict.fromkeys(statuses, ErrorOut)
