"""A file of a ready dataset export, the same for the page (session) and the API (token): a short-lived
signed URL on S3, else streamed from the portal's disk. Who may ask is checked by the caller."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from contributions import storage
from organizers.selectors.exports import dataset_export_file_name

EXPORT_LINK_SECONDS = 15 * 60  # a signed download link lives long enough to start a big download


def export_file_response(*, export_id: int, path: str) -> HttpResponse:
    name = dataset_export_file_name(export_id=export_id, path=path)
    if name is None:
        raise Http404
    filename = path.replace("/", "_")
    if storage.is_s3():
        content_type = "text/markdown" if path.endswith(".md") else "application/octet-stream"
        return HttpResponseRedirect(
            storage.signed_url(name, content_type=content_type, filename=filename, seconds=EXPORT_LINK_SECONDS)
        )
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename)
