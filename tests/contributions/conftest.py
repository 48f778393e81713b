"""Fixtures of the Task 1 tests: submitting through the real service, with the check run as the worker
would (Celery eager in the suite: the task runs when the upload's transaction commits)."""

import pytest
from image_helpers import BASE_FIELDS


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """submit(user, data, **fields) -> the submission after its check ran (through the Celery task)."""
    from contributions.models import ImageSubmission
    from contributions.services import image_submission_create

    def _submit(user, upload, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            submission = image_submission_create(
                contributor=user, upload=upload, **{**BASE_FIELDS, "source": "web", **fields}
            )
        return ImageSubmission.objects.get(pk=submission.pk)

    return _submit


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test stores its files in its own folder (the orphan sweep sees only its own)."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": settings.MEDIA_URL},
        },
    }
