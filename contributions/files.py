"""An image submission's stored files (original, display, thumbnail) for who may see them, the same way
for the pages (session) and the API (bearer token): streamed from local disk, or a redirect to a
short-lived signed URL on S3 (the bucket serves the bytes; the link expires)."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from campaign.conditional import conditional_file_response
from contributions import conf, storage
from contributions.models import ImageSubmission

FILE_KINDS = ("original", "display", "thumbnail")


def image_file_response(request: HttpRequest, *, submission: ImageSubmission, kind: str) -> HttpResponse:
    """The file of `kind`; 404 (`Http404`) when the kind is unknown or the file is gone."""
    if kind not in FILE_KINDS:
        raise Http404
    name = getattr(submission, kind).name
    if not name:
        raise Http404
    if kind == "original":
        content_type = submission.content_type or "application/octet-stream"
        filename = submission.display_filename
    else:
        content_type = "image/webp"
        filename = f"{kind}-{submission.pk}.webp"
    if storage.is_s3():
        url = storage.signed_url(
            name, content_type=content_type, filename=filename, seconds=conf.signed_url_seconds()
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    if not default_storage.exists(name):
        raise Http404

    def respond() -> HttpResponse:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = storage.content_disposition(filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # ETag and Last-Modified: a browser that has the photo gets a 304, not its bytes again.
    return conditional_file_response(
        request,
        version=f"{name}:{submission.content_sha256 or submission.upload_sha256}",
        last_modified=submission.checked_at or submission.created_at,
        respond=respond,
    )
