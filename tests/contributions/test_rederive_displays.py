"""A worker that dies between an image's verdict and its display WebP leaves it in review with no
display: the minute sweep has it made from the clean file, so reviewers on phones are not sent the
full-size photo for good."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from contributions import sweeps
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db


def lose_derivatives(submission, *, minutes_ago: int) -> None:
    """As when the worker died after the verdict's commit, before the WebPs were recorded."""
    then = timezone.now() - timedelta(minutes=minutes_ago)
    ImageSubmission.objects.filter(pk=submission.pk).update(
        display="", thumbnail="", checked_at=then, updated_at=then
    )


def test_an_image_left_without_its_display_gets_one_from_the_minute_sweep(build_image):
    stranded, recent = build_image(), build_image()
    lose_derivatives(stranded, minutes_ago=30)
    lose_derivatives(recent, minutes_ago=1)  # its worker may still be encoding it

    assert sweeps.image_submissions_rederive_missing(older_than_minutes=10) == 1

    stranded.refresh_from_db()
    recent.refresh_from_db()
    assert stranded.display.name and stranded.thumbnail.name
    with default_storage.open(stranded.display.name, "rb") as handle:
        display = Image.open(handle)
        assert display.format == "WEBP"
    assert not recent.display.name
    assert sweeps.image_submissions_rederive_missing(older_than_minutes=10) == 0  # done: nothing again


def test_withdrawn_and_rejected_images_are_not_given_a_display_again(build_image):
    rejected = build_image(status="rejected")
    lose_derivatives(rejected, minutes_ago=30)
    withdrawn = build_image()
    lose_derivatives(withdrawn, minutes_ago=30)
    ImageSubmission.objects.filter(pk=withdrawn.pk).update(status=ImageSubmission.Status.WITHDRAWN)

    assert sweeps.image_submissions_rederive_missing(older_than_minutes=10) == 0
    assert not ImageSubmission.objects.get(pk=rejected.pk).display.name
