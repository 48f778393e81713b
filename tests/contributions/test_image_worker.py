"""The check in a real Celery worker, fed through Redis (not eager), as in production."""

import pytest
from image_helpers import jpeg

from contributions.models import ImageSubmission
from tests.celery_worker import real_worker_on_own_queue, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_worker(settings):
    """A Celery worker thread consuming a queue of its own on the suite's Redis."""
    with real_worker_on_own_queue(settings, "images-test"):
        yield


def test_an_upload_is_checked_by_a_real_worker_after_it_commits(real_worker, contributor):
    from image_helpers import BASE_FIELDS

    from contributions.services import image_submission_create

    good = image_submission_create(contributor=contributor, upload=jpeg("astronaut"), **BASE_FIELDS)
    small = image_submission_create(
        contributor=contributor, upload=jpeg("coffee", size=(500, 400)), **BASE_FIELDS
    )

    def checked():
        return not ImageSubmission.objects.filter(pk__in=[good.pk, small.pk], status="pending").exists()

    assert wait_for(checked, seconds=30), "the worker did not check the images"
    good.refresh_from_db()
    small.refresh_from_db()
    assert good.status == "in_review" and good.thumbnail.name and good.check_attempts == 1
    assert small.status == "rejected" and small.rejection_reasons[0]["code"] == "too_small"
