"""Two copies of one photo checked at the same moment by two workers: exactly one goes to review."""

import contextlib
import threading

import pytest
from django.db import connection
from image_helpers import jpeg

from contributions import pipeline, services
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db(transaction=True)


def test_near_duplicates_checked_at_once_are_still_caught(make_user, monkeypatch):
    from image_helpers import BASE_FIELDS

    monkeypatch.setattr(
        services, "image_submission_check_enqueue", lambda submission_id: None
    )  # the threads check them
    first = services.image_submission_create(contributor=make_user(), upload=jpeg(quality=92), **BASE_FIELDS)
    second = services.image_submission_create(
        contributor=make_user(), upload=jpeg(quality=75, brightness=1.03), **BASE_FIELDS
    )
    # Both workers reach the comparison together: without the lock both would compare before either
    # recorded its hash, and both would pass. With it, the second waits for the first's commit (and the
    # first gives up waiting for the second after a few seconds).
    both_here = threading.Barrier(2, timeout=3)
    candidates = pipeline.near_duplicate_candidates

    def candidates_when_both_are_here(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_here.wait()
        return candidates(**kwargs)

    monkeypatch.setattr(pipeline, "near_duplicate_candidates", candidates_when_both_are_here)
    errors = []

    def worker(submission_id):
        try:
            pipeline.image_submission_check(submission_id=submission_id)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in (first.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert ImageSubmission.objects.get(pk=first.pk).check_attempts == 1
    statuses = sorted(ImageSubmission.objects.values_list("status", flat=True))
    assert statuses == ["in_review", "rejected"]
    rejected = ImageSubmission.objects.get(status="rejected")
    assert rejected.rejection_reasons[0]["code"] == "near_duplicate"
