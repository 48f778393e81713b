"""Task 1 in the JSON API: submit an image, follow it, list your own."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Field, Router, Schema

try:  # django-ninja >= 1.6 (a (status, body) tuple is deprecated there)
    from ninja import Status
except ImportError:  # pragma: no cover - older django-ninja

    def Status(status_code, body):  # noqa: N802
        return status_code, body


from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.throttling import AuthRateThrottle

from campaign.apidocs import ErrorOut, errors
from campaign.pagination import ApiPagination
from campaign.web import parse_bool
from contributions import conf, files, resumable, selectors, services, uploads
from contributions.errors import InvalidFields
from contributions.models import ImageSubmission
from contributions.reasons import reasons_text

router = Router(tags=["contributions"])


class UploadRateThrottle(AuthRateThrottle):
    """Uploads per token, at the rate in settings (IMAGE_API_UPLOAD_RATE, e.g. "120/m")."""

    scope = "image-upload"

    def __init__(self):
        super().__init__(rate=conf.api_upload_rate())

    def allow_request(self, request) -> bool:
        self.rate = conf.api_upload_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str:
        return f"throttle_image_upload_{getattr(request.user, 'pk', None) or self.get_ident(request)}"


class ReasonOut(Schema):
    """Why an image was rejected: `code` for scripts, `message` in the request's language."""

    code: str
    message: str


def _file_url(context, submission: ImageSubmission, kind: str) -> str | None:
    """The API's own link to the file: it opens with the same bearer token as every call."""
    if not getattr(submission, kind).name:
        return None
    path = reverse("api-v1:image_file", kwargs={"key": submission.key, "kind": kind})
    request = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path


class ImageOut(Schema):
    """One of your images; the three `*_url` links open with your token (GET /images/{key}/{kind}/)."""

    id: int
    status: str
    description: str
    native_description: str
    native_language: str
    countries: list[str]
    location: str
    group: str
    width: int | None
    height: int | None
    content_type: str
    blur_flagged: bool
    rejection_reasons: list[ReasonOut]
    thumbnail_url: str | None
    display_url: str | None
    image_url: str | None
    created_at: datetime
    checked_at: datetime | None

    @staticmethod
    def resolve_native_language(obj: ImageSubmission) -> str:
        return obj.native_language_label

    @staticmethod
    def resolve_countries(obj: ImageSubmission) -> list[str]:
        return sorted(country.code for country in obj.countries.all())

    @staticmethod
    def resolve_rejection_reasons(obj: ImageSubmission) -> list[dict]:
        return reasons_text(obj.rejection_reasons)  # in the request's language

    @staticmethod
    def resolve_thumbnail_url(obj: ImageSubmission, context) -> str | None:
        return _file_url(context, obj, "thumbnail")

    @staticmethod
    def resolve_display_url(obj: ImageSubmission, context) -> str | None:
        return _file_url(context, obj, "display")

    @staticmethod
    def resolve_image_url(obj: ImageSubmission, context) -> str | None:
        return _file_url(context, obj, "original")


_MULTIPART_FIELDS = {
    "image": {"type": "string", "format": "binary", "description": "JPEG, PNG, WebP or HEIC; at most 25 MB."},
    "description": {
        "type": "string",
        "maxLength": 2000,
        "description": "In English, what is this image about?",
    },
    "native_description": {"type": "string", "maxLength": 2000},
    "native_language": {
        "type": "string",
        "example": "Indonesian (ind)",
        "description": "Default: your profile's.",
    },
    "countries": {
        "type": "array",
        "items": {"type": "string"},
        "description": "ISO codes (or names) of the countries whose culture it shows; repeated or comma-separated.",
    },
    "location": {"type": "string", "maxLength": 200, "example": "Padang, Indonesia"},
    "group": {"type": "string", "maxLength": 200, "description": "The same value for shots of one subject."},
    "license_confirmed": {
        "type": "boolean",
        "description": "You took the photo, hold its copyright and license it CC-BY-SA 4.0.",
    },
}
_OPENAPI_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image", "description", "countries", "license_confirmed"],
                    "properties": _MULTIPART_FIELDS,
                }
            }
        },
    }
}


@router.post(
    "/images",
    response={201: ImageOut, **errors(403, 409, 413, 415, 429)},
    summary="Submit an image",
    throttle=[UploadRateThrottle()],
    openapi_extra=_OPENAPI_UPLOAD,
)
def image_create(request: HttpRequest):
    """Multipart upload of one image with its descriptions; it is checked in the background
    (follow `status` with GET /images/{id})."""
    # The size limit goes in before the body is parsed: a too large file is refused unread (413).
    uploads.limit_upload_size(request)
    try:
        post, files = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent):
        raise InvalidFields({"__all__": ["The form fields are too large."]}) from None
    except (MultiPartParserError, SuspiciousOperation):
        raise HttpError(400, "The request body is not valid multipart/form-data.") from None
    images = files.getlist("image")
    if len(images) > 1:
        raise InvalidFields({"image": ["Send one image per request."]})
    submission = services.image_submission_create(
        contributor=request.user,
        upload=images[0] if images else None,
        description=post.get("description", ""),
        native_description=post.get("native_description", ""),
        native_language=post.get("native_language", ""),
        countries=post.getlist("countries"),
        location=post.get("location", ""),
        group=post.get("group", ""),
        license_confirmed=parse_bool(post.get("license_confirmed")),
        source="api",
    )
    return Status(201, submission)


@router.get("/images/{int:image_id}", response={200: ImageOut, **errors(404)}, summary="One of your images")
def image_get(request: HttpRequest, image_id: int):
    submission = selectors.image_submission_of(contributor=request.user, submission_id=image_id)
    return submission


@router.get("/images", response=list[ImageOut], summary="Your images, newest first")
@paginate(ApiPagination, page_size=50, max_page_size=200)
def image_list(request: HttpRequest, status: ImageSubmission.Status | None = None):
    return selectors.image_submissions_of(contributor=request.user, status=status)


_IMAGE_FILE_RESPONSES = {
    "200": {
        "description": "The file's bytes (local storage).",
        "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ("image/*",)},
    },
    "302": {
        "description": "On S3 storage: a redirect to a signed URL of the bucket, valid for a few minutes "
        "(follow it without the token).",
        "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
    },
}


@router.get(
    "/images/{uuid:key}/{kind}/",
    url_name="image_file",
    response={404: ErrorOut},
    summary="A file of one of your images (original, display or thumbnail)",
    description="The link in an image's `image_url`, `display_url` and `thumbnail_url`: the same "
    "`Authorization: Bearer <token>` as every call opens it.",
    openapi_extra={"responses": _IMAGE_FILE_RESPONSES},
)
def image_file(request: HttpRequest, key: UUID, kind: Literal["original", "display", "thumbnail"]):
    submission = selectors.image_submission_by_key_of(contributor=request.user, key=key)
    return files.image_file_response(request, submission=submission, kind=kind)


# Resumable uploads (docs/uploads.md): a photo in small parts, each acknowledged by the storage.


class ResumableUploadIn(Schema):
    size: int = Field(..., description="The file's size in bytes (at most 25 MB).")
    filename: str = Field("", max_length=255)
    content_type: str = Field("", max_length=100, description="`image/...`, or empty.")


class ResumableUploadOut(Schema):
    """An upload in parts: part n is bytes [(n-1)·chunk_size, n·chunk_size) of the file."""

    upload: UUID
    ticket: str = Field(..., description="The finalize ticket of the web pages (the API completes by `upload`).")
    chunk_size: int
    part_count: int
    parts_done: list[int] = Field(..., description="The parts the storage holds with their exact size.")
    bytes_done: int
    complete: bool = Field(..., description="Every part is stored: the upload can be completed.")
    state: Literal["open", "completed"]
    expires_at: datetime


class PartNumbersIn(Schema):
    numbers: list[int] = Field(..., description="Up to 100 part numbers (1 to part_count).")


class PartTargetOut(Schema):
    number: int
    url: str = Field(..., description="A presigned S3 PUT (no token), or the API's own part endpoint.")
    method: Literal["PUT"]
    headers: dict[str, str]
    size: int = Field(..., description="Send exactly this many bytes.")


class PartTargetsOut(Schema):
    parts: list[PartTargetOut]


class PartStoredOut(Schema):
    number: int
    size: int


class ImageFieldsIn(Schema):
    """The descriptions of the image, as POST /images takes them."""

    description: str = Field(..., description="In English, what is this image about?")
    native_description: str = ""
    native_language: str = Field("", description="Default: your profile's.", examples=["Indonesian (ind)"])
    countries: list[str] = Field(..., description="ISO codes (or names) of the countries whose culture it shows.")
    location: str = ""
    group: str = ""
    license_confirmed: bool = Field(
        ..., description="You took the photo, hold its copyright and license it CC-BY-SA 4.0."
    )
    filename: str = Field("", max_length=255)


def _upload_out(request: HttpRequest, upload) -> dict:
    progress = resumable.resumable_upload_progress(upload=upload)
    return resumable.resumable_upload_body(progress=progress, user=request.user)


def _api_part_url(request: HttpRequest):
    def url(upload, number: int) -> str:
        path = reverse("api-v1:image_upload_part", kwargs={"upload": upload.id, "number": number})
        return request.build_absolute_uri(path)

    return url


@router.post(
    "/images/uploads",
    response={201: ResumableUploadOut, **errors(403, 409, 413, 415, 429)},
    summary="Start a resumable upload",
    throttle=[UploadRateThrottle()],
)
def image_upload_create(request: HttpRequest, payload: ResumableUploadIn):
    """Declare one image to send in parts (docs/uploads.md); then ask where to send them."""
    upload = resumable.resumable_upload_create(
        owner=request.user, size=payload.size, filename=payload.filename, content_type=payload.content_type
    )
    return Status(201, _upload_out(request, upload))


@router.get(
    "/images/uploads/{upload}",
    response={200: ResumableUploadOut, **errors(404)},
    summary="A resumable upload: which parts arrived",
)
def image_upload_get(request: HttpRequest, upload: UUID):
    return _upload_out(request, resumable.resumable_upload_of(owner=request.user, upload_id=upload))


@router.post(
    "/images/uploads/{upload}/parts",
    response={200: PartTargetsOut, **errors(404, 409)},
    summary="Where to send parts of a resumable upload",
)
def image_upload_parts(request: HttpRequest, upload: UUID, payload: PartNumbersIn):
    found = resumable.resumable_upload_of(owner=request.user, upload_id=upload)
    parts = resumable.resumable_part_targets(upload=found, numbers=payload.numbers, local_url=_api_part_url(request))
    return {"parts": parts}


@router.put(
    "/images/uploads/{upload}/parts/{number}",
    url_name="image_upload_part",
    response={200: PartStoredOut, **errors(404, 409)},
    summary="Send one part (embedded default storage only; on S3 the part URLs are the bucket's)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def image_upload_part(request: HttpRequest, upload: UUID, number: int):
    size = resumable.resumable_part_store(
        owner=request.user,
        upload_id=upload,
        number=number,
        stream=request,
        content_length=request.META.get("CONTENT_LENGTH"),
    )
    return {"number": number, "size": size}


@router.delete(
    "/images/uploads/{upload}",
    response={204: None, **errors(404, 409)},
    summary="Cancel a resumable upload (its parts are deleted)",
)
def image_upload_delete(request: HttpRequest, upload: UUID):
    resumable.resumable_upload_cancel(owner=request.user, upload_id=upload)
    return Status(204, None)


@router.post(
    "/images/uploads/{upload}/complete",
    response={201: ImageOut, **errors(403, 409, 413, 415, 429)},
    summary="Complete a resumable upload: the image with its descriptions",
    throttle=[UploadRateThrottle()],
)
def image_upload_complete(request: HttpRequest, upload: UUID, payload: ImageFieldsIn):
    """Every part must be there (409 names the missing ones); the image is then checked in the
    background like any other. Completing again answers the same image."""
    submission = resumable.resumable_upload_complete(
        contributor=request.user,
        upload_id=upload,
        source="api",
        filename=payload.filename,
        description=payload.description,
        native_description=payload.native_description,
        native_language=payload.native_language,
        countries=payload.countries,
        location=payload.location,
        group=payload.group,
        license_confirmed=payload.license_confirmed,
    )
    return Status(201, submission)



# The bulk import (ZIP + CSV) keeps its endpoints in its own module.
from contributions.bulk.api import router as bulk_router  # noqa: E402

router.add_router("", bulk_router)
