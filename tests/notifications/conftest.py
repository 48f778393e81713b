"""Builders of the notice tests: images uploaded, checked and decided through the real services."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry")


@pytest.fixture
def decided_image(django_capture_on_commit_callbacks, settings, tmp_path):
    """decided_image(user, accepted=True, photo="astronaut") -> the submission after its decision."""
    from PIL import Image
    from skimage import data

    from contributions.decisions import image_submission_decide
    from contributions.models import ImageSubmission
    from contributions.services import image_submission_create

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": settings.MEDIA_URL},
        },
    }

    def make(user, *, accepted: bool = True, photo: str = "astronaut"):
        buffer = io.BytesIO()
        Image.fromarray(getattr(data, photo)()).convert("RGB").resize((768, 576)).save(buffer, "JPEG", quality=90)
        upload = SimpleUploadedFile(f"{photo}.jpg", buffer.getvalue(), content_type="image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            submission = image_submission_create(
                contributor=user,
                upload=upload,
                description=f"A market stall photographed for the campaign ({photo})",
                native_language="Indonesian (ind)",
                native_description=f"Foto lapak di pasar ({photo})",
                countries=["ID"],
                license_confirmed=True,
            )
        submission.refresh_from_db()
        assert submission.status == ImageSubmission.Status.IN_REVIEW, submission.rejection_reasons
        reasons = None if accepted else [
            {"code": "caption_mismatch", "message": "Annotators found that the description does not fit the image.", "params": {}}
        ]
        with django_capture_on_commit_callbacks(execute=True):
            image_submission_decide(submission_id=submission.pk, accepted=accepted, reasons=reasons)
        submission.refresh_from_db()
        return submission

    return make
