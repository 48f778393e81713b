"""An image that passes its checks enters the review queue at once, without waiting for the sweep."""

import pytest
from django_celery_beat.models import PeriodicTask
from image_helpers import jpeg

from contributions.models import ImageSubmission
from review.models import ReviewItem

pytestmark = pytest.mark.django_db


def test_a_checked_image_is_queued_for_review_when_its_check_commits(contributor, submit):
    submission = submit(contributor, jpeg())

    assert submission.status == ImageSubmission.Status.IN_REVIEW
    assert ReviewItem.objects.filter(pk=submission.pk).exists()


def test_queue_maintenance_is_scheduled_every_minute():
    task = PeriodicTask.objects.get(task="review.maintain_queue")

    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"
