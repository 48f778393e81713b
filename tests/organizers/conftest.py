"""Helpers for the organizer tests: accepted images whose stored copies had their GPS data removed."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from organizer_images import has_gps, jpeg_bytes, strip_metadata


@pytest.fixture
def submit_image(make_user):
    """Submit an image (a photo WITH GPS) and move it to `status`; the stored original is stripped."""
    from campaign.models import Country
    from contributions.models import ImageSubmission
    from contributions.services import image_submission_decide

    counter = {"n": 0}

    def submit(
        contributor=None,
        *,
        countries=("ID",),
        status="accepted",
        created_days_ago: int = 0,
        store_gps: bool = False,
        description: str = "People drinking cendol at a market",
        native: str = "Orang minum cendol di pasar",
        language=("ind", "Indonesian"),
        location: str = "Jakarta, Indonesia",
    ):
        counter["n"] += 1
        contributor = contributor or make_user()
        upload = jpeg_bytes(counter["n"], gps=True)
        assert has_gps(upload)
        stored = upload if store_gps else strip_metadata(upload)
        submission = ImageSubmission(
            contributor=contributor,
            status=ImageSubmission.Status.IN_REVIEW,
            description=description,
            native_description=native,
            native_language_code=language[0],
            native_language_name=language[1],
            location=location,
            license_confirmed_at=timezone.now(),
            content_type="image/jpeg",
        )
        submission.original.save("upload.jpg", ContentFile(stored), save=False)
        submission.save()
        submission.countries.set(Country.objects.filter(code__in=countries))
        if status in ("accepted", "rejected"):
            reasons = None if status == "accepted" else [{"code": "not_relevant", "message": "Not relevant"}]
            image_submission_decide(
                submission_id=submission.pk, accepted=status == "accepted", reasons=reasons
            )
        elif status != "in_review":
            ImageSubmission.objects.filter(pk=submission.pk).update(status=status)
        if created_days_ago:
            moment = timezone.now() - timedelta(days=created_days_ago)
            ImageSubmission.objects.filter(pk=submission.pk).update(created_at=moment)
        submission.refresh_from_db()
        return submission

    return submit


@pytest.fixture(autouse=True)
def _review_scores_until_merged(monkeypatch):
    """TEMPORARY: until the review branch is merged, fixed scores stand in for its image_scores."""
    try:
        import review.selectors  # noqa: F401
    except ImportError:
        from dataclasses import dataclass

        @dataclass
        class Scores:
            avg_cultural_relevance: float
            avg_caption_fit: float
            avg_img_quality: float
            n_annotator: int

        monkeypatch.setattr(
            "organizers.selectors.image_scores_for",
            lambda ids: {pk: Scores(4.0, 1.0, 2 / 3, 3) for pk in ids},
        )
