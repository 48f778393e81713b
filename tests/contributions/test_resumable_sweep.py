"""The daily sweep of resumable uploads: what was not completed in time leaves nothing in the bucket
(parts, incomplete multipart uploads) and no row; what is in progress is kept; a rerun changes nothing."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from contributions import resumable, storage, sweeps
from contributions.models import ResumableUpload

pytestmark = pytest.mark.django_db


def upload_with_parts(owner, parts: int = 2) -> ResumableUpload:
    upload = resumable.resumable_upload_create(owner=owner, size=parts * 1024, filename="a.jpg")
    for number in range(1, parts + 1):
        default_storage.save(upload.part_name(number), ContentFile(b"x" * upload.part_size(number)))
    return upload


def test_an_upload_past_its_time_is_aborted_and_one_in_progress_is_kept(s3_storage, settings, contributor):
    settings.UPLOAD_CHUNK_BYTES = 1024
    client, bucket = s3_storage
    fresh = upload_with_parts(contributor)
    old = upload_with_parts(contributor, parts=3)
    ResumableUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    # An assembly of the old upload cut off mid-way: an incomplete multipart upload on its original's key.
    client.create_multipart_upload(Bucket=bucket, Key=old.original_name)
    # Parts whose row is gone (a PUT that arrived after a cancel).
    orphan = f"uploads/{uuid.uuid4()}/00001"
    default_storage.save(orphan, ContentFile(b"x"))

    counts = sweeps.resumable_uploads_sweep()

    assert counts == {"uploads": 1, "parts": 4, "multipart": 1}
    assert list(ResumableUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert storage.sizes_under(old.prefix) == {} and not default_storage.exists(orphan)
    assert len(storage.sizes_under(fresh.prefix)) == 2
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    assert sweeps.resumable_uploads_sweep() == {"uploads": 0, "parts": 0, "multipart": 0}


def test_a_stray_multipart_upload_older_than_the_limit_is_aborted(s3_storage, contributor):
    # (moto reports every multipart upload as initiated in 2010, so its age cannot be set here: a young
    # one without a row, e.g. a large file in flight, is kept by the sweep on a real S3.)
    client, bucket = s3_storage
    client.create_multipart_upload(Bucket=bucket, Key=f"images/original/{uuid.uuid4()}")
    client.create_multipart_upload(Bucket=bucket, Key=f"uploads/{uuid.uuid4()}/00001")

    assert sweeps.resumable_uploads_sweep(older_than_hours=0)["multipart"] == 2

    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_the_sweep_on_local_disk(settings, contributor):
    settings.UPLOAD_CHUNK_BYTES = 1024
    fresh = upload_with_parts(contributor)
    old = upload_with_parts(contributor)
    ResumableUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    assert sweeps.resumable_uploads_sweep() == {"uploads": 1, "parts": 2, "multipart": 0}

    assert storage.sizes_under(old.prefix) == {} and len(storage.sizes_under(fresh.prefix)) == 2
    assert sweeps.resumable_uploads_sweep() == {"uploads": 0, "parts": 0, "multipart": 0}


def test_the_beat_runs_the_sweep_daily():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="contributions.sweep_resumable_uploads")

    assert task.enabled and task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "3", "*")
