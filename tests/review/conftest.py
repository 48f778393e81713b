"""Fixtures for Task 2: images in review (through the upload service, the check and the queue's hand-off:
tests/builders.py), screening items, qualified annotators."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.roles import ANNOTATOR


def png_bytes(seed: int = 0, size: int = 48) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size, size, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def make_image_in_review(build_image):
    """An image in review, uploaded, checked and queued as in production (tests/builders.py), queued
    unless open_item=False. Its contributor is a new Thai user unless given; `blur_flagged=True` uploads
    a slightly blurry photo, which the check flags."""

    def make(
        *,
        contributor=None,
        countries=("TH",),
        age_minutes: int = 0,
        open_item: bool = True,
        blur_flagged: bool = False,
        **fields,
    ):
        return build_image(
            contributor,
            countries=countries,
            age_minutes=age_minutes,
            open_item=open_item,
            blurry=blur_flagged,
            **fields,
        )

    return make


@pytest.fixture
def make_screening_item(db):
    from review.models import ScreeningItem

    counter = {"n": 0}

    def make(*, countries=("TH",), relevance=4, fits=True, quality=True, gold=True, **fields):
        counter["n"] += 1
        item = ScreeningItem(
            description=fields.pop("description", f"Screening photo {counter['n']}"),
            expected_relevance=relevance,
            expected_caption_fit=fits,
            expected_quality_ok=quality,
            explanation=fields.pop("explanation", f"Explanation number {counter['n']}"),
            use_as_gold=gold,
            **fields,
        )
        item.image.save("x.png", ContentFile(png_bytes(1000 + counter["n"])), save=False)
        item.save()
        item.countries.set(countries)
        return item

    return make


@pytest.fixture
def make_annotator(db, make_user):
    """A user qualified for the given countries (as a passed screening test leaves them)."""
    from review.models import AnnotatorQualification

    def make(countries=("TH",), **kwargs):
        user = make_user(roles=(ANNOTATOR,), **kwargs)
        for code in countries:
            AnnotatorQualification.objects.create(user=user, country_id=code)
        return user

    return make


@pytest.fixture(autouse=True)
def answers_at_once(settings):
    """Tests answer an item right after it is served; the pacing tests set their own minimum."""
    settings.REVIEW_MIN_SECONDS_PER_ITEM = 0


@pytest.fixture
def served_ago(db):
    """served_ago(lease, seconds): move a lease's served time into the past (instead of sleeping)."""
    from review.models import ReviewLease

    def move(lease, seconds: float) -> None:
        ReviewLease.objects.filter(pk=lease.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))

    return move


@pytest.fixture
def no_gold(settings):
    settings.REVIEW_GOLD_RATE = 0


@pytest.fixture
def rate():
    """rate(annotator, submission, relevance=4, fits=True, quality=True, flag="", note=""): serve the
    annotator their next item, check it is the one expected, and answer it."""
    from review.answers import lease_answer
    from review.queue import queue_serve
    from review.types import Answers

    def do(annotator, submission, *, relevance=4, fits=True, quality=True, flag="", note=""):
        lease = queue_serve(annotator=annotator)
        assert lease is not None and lease.item_id == submission.pk, "the queue served another item"
        return lease_answer(
            annotator=annotator,
            key=lease.key,
            answers=Answers(
                relevance=relevance, caption_fit=fits, quality_ok=quality, flag=flag, flag_note=note
            ),
        )

    return do
