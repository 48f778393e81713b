"""Receiving image files over HTTP without letting a large one in.

`limit_upload_size(request)` must run before the request body is parsed: a request whose declared
length is above the limit is refused (413) before a byte of it is read, and a file that grows past the
limit while streaming is cut off.

Upload tickets are the first step of the two-step upload: a signed, expiring promise that the signed-in
contributor may put one file at one unguessable storage key (straight to S3 with a presigned POST, or
to the local upload endpoint in the embedded default), then finalize it with its descriptions.
"""

import uuid

from django.core import signing
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.urls import reverse

from contributions import conf, storage
from contributions.errors import FileTooLarge

# Room for the form fields around the file (two descriptions of 2000 characters and the rest).
FORM_OVERHEAD_BYTES = 256 * 1024
TICKET_SALT = "contributions.upload-ticket"
TICKET_MAX_AGE = 3600


class SizeLimitedUploadHandler(FileUploadHandler):
    """Refuses a body declared larger than one image plus its fields, and any file that grows past it."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.max_bytes + FORM_OVERHEAD_BYTES:
            raise FileTooLarge(field="image")

    def new_file(self, *args, **kwargs):
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            raise FileTooLarge(field="image")
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload_size(request) -> None:
    """Call before touching request.POST / request.FILES."""
    max_bytes = conf.max_upload_bytes()
    declared = request.META.get("CONTENT_LENGTH") or 0
    try:
        declared = int(declared)
    except (TypeError, ValueError):
        declared = 0
    if declared > max_bytes + FORM_OVERHEAD_BYTES:
        raise FileTooLarge(field="image")
    request.upload_handlers = [
        SizeLimitedUploadHandler(request, max_bytes=max_bytes),
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]


def ticket_issue(*, user) -> dict:
    """Where and how the browser sends one file, and the ticket it finalizes the upload with."""
    key = uuid.uuid4()
    ticket = signing.dumps({"u": user.pk, "k": str(key)}, salt=TICKET_SALT)
    name = f"images/original/{key}"
    if storage.is_s3():
        post = storage.presigned_post(name, max_bytes=conf.max_upload_bytes(), seconds=TICKET_MAX_AGE)
        return {
            "ticket": ticket,
            "url": post["url"],
            "fields": post["fields"],
            "max_bytes": conf.max_upload_bytes(),
        }
    return {
        "ticket": ticket,
        "url": reverse("contributions:upload-local", args=[ticket]),
        "fields": {},
        "max_bytes": conf.max_upload_bytes(),
    }


def ticket_for_resumable(*, user, key: uuid.UUID) -> str:
    """The finalize ticket of a resumable upload: the same format, valid as long as the upload."""
    return signing.dumps({"u": user.pk, "k": str(key), "r": 1}, salt=TICKET_SALT)


def ticket_key(*, user, ticket: str) -> uuid.UUID | None:
    """The storage key a valid, unexpired ticket of this user names; None otherwise.

    A presigned POST's ticket lasts an hour; a resumable upload's as long as the upload may."""
    ticket = str(ticket)[:512]
    try:
        try:
            data = signing.loads(ticket, salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        except signing.SignatureExpired:
            data = signing.loads(
                ticket, salt=TICKET_SALT, max_age=conf.resumable_upload_max_age_hours() * 3600
            )
            if data.get("r") != 1:
                return None
        if data.get("u") != user.pk:
            return None
        return uuid.UUID(data["k"])
    except (signing.BadSignature, KeyError, ValueError, TypeError, AttributeError):
        return None
