"""The check in a real Celery worker, fed through Redis (not eager), as in production."""

import time
import uuid

import pytest
from image_helpers import jpeg

from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_worker(settings):
    """A Celery worker thread consuming a queue of its own on the suite's Redis."""
    from celery.contrib.testing.worker import start_worker

    from seavl_portal.celery import app

    queue = f"images-test-{uuid.uuid4().hex[:12]}"
    # Saved before the settings change: app.conf reads the Django settings, so saving after it would
    # "restore" eager mode to off for every later test of this process.
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            yield
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


def wait_for(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_an_upload_is_checked_by_a_real_worker_after_it_commits(real_worker, contributor):
    from image_helpers import BASE_FIELDS

    from contributions.services import image_submission_create

    good = image_submission_create(contributor=contributor, upload=jpeg("astronaut"), **BASE_FIELDS)
    small = image_submission_create(
        contributor=contributor, upload=jpeg("coffee", size=(500, 400)), **BASE_FIELDS
    )

    def checked():
        return not ImageSubmission.objects.filter(pk__in=[good.pk, small.pk], status="pending").exists()

    assert wait_for(checked), "the worker did not check the images"
    good.refresh_from_db()
    small.refresh_from_db()
    assert good.status == "in_review" and good.thumbnail.name and good.check_attempts == 1
    assert small.status == "rejected" and small.rejection_reasons[0]["code"] == "too_small"
