"""The one way the suite builds an image in review: as production does, through the upload service, the
image check (run in-process, as the worker runs it) and the review queue's hand-off (the
`image_entered_review` signal sent when the check commits). No row is made by hand, so every rule of
the upload and the check applies to test data too.

A pytest plugin (registered in tests/conftest.py): the `build_image` fixture; `tiny_photo(seed)` makes
the small, sharp, distinct images it uploads.
"""

import io
import itertools
import os
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageFilter

# The smallest side the builders' images have; the fixture sets the campaign's minimum (a setting,
# contributions.conf.min_short_side, 512 px by default) to it, so the check decodes 64 px images
# (about 3 ms) instead of 512 px ones (about 150 ms) and still applies every rule.
TINY_SIDE = 64
_seeds = itertools.count(1)


def image_services() -> SimpleNamespace:
    """The service functions the builders (and tests/points/test_decisions_after_commit.py) go through,
    named in this one place (modules move)."""
    from contributions.decisions import image_submission_decide
    from contributions.pipeline import image_submission_check
    from contributions.services import image_submission_create

    return SimpleNamespace(
        create=image_submission_create, check=image_submission_check, decide=image_submission_decide
    )


def tiny_photo(seed: int | None = None, *, side: int = TINY_SIDE, blurry: bool = False) -> bytes:
    """A PNG of 16 x 16 random colour blocks, `side` px square: sharp (Laplacian variance ~6,000, far
    above the blur rule's 120), about 1.3 kB, and with a perceptual hash ~32 bits from any other seed's
    (near duplicates are 8 bits or fewer apart), so the check puts it in review. `blurry`: a Gaussian
    blur of 1.8 px brings the 64 px image to 46-65 (measured on 40 seeds): below the flag line (120),
    above the rejection line (15), so the check flags it for the reviewers."""
    seed = next(_seeds) * 100_003 + os.getpid() if seed is None else seed
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8)
    image = Image.fromarray(blocks).resize((side, side), Image.Resampling.NEAREST)
    if blurry:
        image = image.filter(ImageFilter.GaussianBlur(1.8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def build_image(db, settings, make_user, django_capture_on_commit_callbacks):
    """build_image(contributor=None, *, countries, status="in_review", open_item=True, age_minutes=0,
    description, native_description, native_language, location, blurry=False) -> the ImageSubmission,
    read again. `blurry` uploads a slightly blurry photo: the check lets it in flagged (`blur_flagged`).

    - status "pending": uploaded only (its check not run yet);
    - "in_review": uploaded and checked; queued for review unless `open_item=False` (the hand-off
      signal's callback is dropped, as when the worker dies before sending it: `review_items_sync`
      finds it; in a transactional test the callback runs at commit, as in production);
    - "accepted" / "rejected": then decided through `image_submission_decide`. Its event goes out after
      commit: in a test wrapped in one transaction it is heard only if the caller runs the on-commit
      callbacks (`django_capture_on_commit_callbacks(execute=True)`).
    `age_minutes` moves the upload's time into the past before it is queued (the queue serves oldest
    first). A builder that cannot get its image into review fails with the check's reasons.
    """
    from django.db import transaction

    from contributions.models import ImageSubmission
    from review.models import ReviewItem

    settings.IMAGE_MIN_SHORT_SIDE = TINY_SIDE
    services = image_services()
    counter = itertools.count(1)

    def build(
        contributor=None,
        *,
        countries=("TH",),
        status: str = "in_review",
        open_item: bool = True,
        age_minutes: int = 0,
        description: str | None = None,
        native_description: str = "ข้าวซอย",
        native_language: str = "Thai (tha)",
        location: str = "Chiang Mai",
        blurry: bool = False,
    ):
        number = next(counter)
        contributor = contributor or make_user(country="TH")
        with transaction.atomic():  # in a transactional test the upload's hand-off waits for the age
            submission = services.create(
                contributor=contributor,
                upload=tiny_photo(blurry=blurry),
                description=description or f"A bowl of khao soi, image {number}",
                native_description=native_description,
                native_language=native_language,
                countries=list(countries),
                location=location,
                license_confirmed=True,
                filename=f"photo-{number}.png",
            )
            if age_minutes:
                ImageSubmission.objects.filter(pk=submission.pk).update(
                    created_at=submission.created_at - timedelta(minutes=age_minutes)
                )
        if status == ImageSubmission.Status.PENDING:
            return ImageSubmission.objects.get(pk=submission.pk)

        # The worker's check, in-process (idempotent: a no-op if the upload's callback already ran it).
        with django_capture_on_commit_callbacks(execute=open_item):
            services.check(submission_id=submission.pk)
        submission = ImageSubmission.objects.get(pk=submission.pk)
        assert submission.status == ImageSubmission.Status.IN_REVIEW, submission.rejection_reasons
        assert submission.blur_flagged == blurry, submission.sharpness
        if open_item:
            assert ReviewItem.objects.filter(pk=submission.pk).exists(), "the hand-off did not queue it"

        if status in (ImageSubmission.Status.ACCEPTED, ImageSubmission.Status.REJECTED):
            accepted = status == ImageSubmission.Status.ACCEPTED
            services.decide(
                submission_id=submission.pk,
                accepted=accepted,
                reasons=None if accepted else [{"code": "blurry", "message": "The photo is blurry."}],
            )
            submission = ImageSubmission.objects.get(pk=submission.pk)
        elif status != ImageSubmission.Status.IN_REVIEW:
            raise ValueError(f"build_image cannot build an image with status {status!r}")
        return submission

    return build
