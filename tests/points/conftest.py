"""Builders for the points tests: Task 1 images decided through the real decision service, so the
event flows through `publish()`, the points receiver and its Celery task (eager in tests)."""

import itertools

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def image_in_review(build_image):
    """An image waiting for its decision: uploaded, checked and queued as in production
    (tests/builders.py). status="pending": uploaded only; "accepted": then decided through the decision
    service without running its on-commit event (an accepted image whose event was lost)."""

    def make(contributor, countries=("ID",), status="in_review"):
        return build_image(
            contributor,
            countries=countries,
            status=status,
            open_item=status == "in_review",
            description=f"Street food stall number {next(_numbers)}",
            native_description="Warung makan kaki lima",
            native_language="Indonesian (ind)",
            location="",
        )

    return make


@pytest.fixture
def decide_image(image_in_review, django_capture_on_commit_callbacks):
    """Accept (or reject) a new image through `image_submission_decide`, running the on-commit events."""
    from contributions.decisions import image_submission_decide

    def decide(contributor, countries=("ID",), accepted=True):
        submission = image_in_review(contributor, countries)
        with django_capture_on_commit_callbacks(execute=True):
            image_submission_decide(
                submission_id=submission.pk,
                accepted=accepted,
                reasons=None if accepted else [{"code": "blurry", "message": "The photo is blurry."}],
            )
        submission.refresh_from_db()
        return submission

    return decide


@pytest.fixture
def confirmed_points():
    from decimal import Decimal

    from django.db.models import Sum

    from points.models import LedgerEntry

    def total(user, task_number=None):
        entries = LedgerEntry.objects.filter(contributor=user)
        if task_number is not None:
            entries = entries.filter(task_number=task_number)
        return entries.aggregate(total=Sum("points"))["total"] or Decimal("0")

    return total
