"""Two finalizes of one resumable upload at the same moment (a double click, two tabs): one submission,
and both answers name it."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from image_helpers import BASE_FIELDS, jpeg

from contributions import resumable, services
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_finalizes_at_once_make_one_submission(make_user, settings, monkeypatch):
    settings.UPLOAD_CHUNK_BYTES = 16 * 1024
    monkeypatch.setattr(services, "image_submission_check_enqueue", lambda submission_id: None)
    owner = make_user()
    data = jpeg()
    upload = resumable.resumable_upload_create(owner=owner, size=len(data), filename="a.jpg")
    for number in range(1, upload.part_count + 1):
        start = (number - 1) * upload.chunk_size
        default_storage.save(upload.part_name(number), ContentFile(data[start : start + upload.chunk_size]))
    # Both requests are past their first reads when they reach the upload's row.
    both_here = threading.Barrier(2, timeout=10)
    upload_of = resumable.resumable_upload_of

    def upload_of_when_both_are_here(**kwargs):
        if kwargs.get("for_update"):
            both_here.wait()
        return upload_of(**kwargs)

    monkeypatch.setattr(resumable, "resumable_upload_of", upload_of_when_both_are_here)
    answers, errors = [], []

    def finalize():
        try:
            answers.append(resumable.resumable_upload_complete(contributor=owner, upload_id=upload.id, **BASE_FIELDS).pk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert ImageSubmission.objects.count() == 1
    assert answers == [ImageSubmission.objects.get().pk] * 2
