"""The stored images of Task 3's prompts and Task 4's pool, streamed to who asks (pages and API alike).

Every signed-in contributor may see them; the pages check the session, the API the bearer token.
"""

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from texttasks.models import BenchmarkPrompt, PoolImage


def pool_image_file(*, image_id: int) -> FieldFile:
    """A pool image's file: the display version of an accepted Task 1 image, or the imported file."""
    image = get_object_or_404(PoolImage.objects.select_related("image_submission"), pk=image_id)
    if image.image_submission_id:
        submission = image.image_submission
        return submission.display or submission.original
    return image.file


def prompt_image_file(*, prompt_id: int, number: int) -> FieldFile:
    prompt = get_object_or_404(BenchmarkPrompt, pk=prompt_id)
    if number not in (1, 2):
        raise Http404
    return getattr(prompt, f"image_{number}")


def file_response(file_field: FieldFile) -> FileResponse:
    if not file_field:
        raise Http404
    content_type = mimetypes.guess_type(file_field.name)[0] or "image/jpeg"
    try:
        handle = file_field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
