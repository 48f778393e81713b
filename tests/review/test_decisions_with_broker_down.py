"""A rating that decides an image while the broker is down: the annotator's request succeeds, the image
is accepted, and every credit waits in the outbox until the sweep delivers it, once."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from accounts.services import api_token_create
from campaign.models import OutboxEvent
from campaign.tasks import deliver_waiting_outbox_events
from contributions.models import ImageSubmission
from points.models import LedgerEntry
from tests.outages import broker_unreachable

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]


def rate_through_the_api(client, annotator, submission) -> dict:
    _token, secret = api_token_create(user=annotator, name="tests")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    item = client.get("/api/v1/review/next", **headers).json()["item"]
    response = client.post(
        f"/api/v1/review/items/{item['id']}/ratings",
        {"relevance": 4, "caption_fit": True, "quality_ok": True},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_deciding_rating_succeeds_with_the_broker_down_and_the_sweep_credits_everything_once(
    client, make_annotator, make_image_in_review, django_capture_on_commit_callbacks
):
    submission = make_image_in_review()
    annotators = [make_annotator() for _ in range(3)]
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        for annotator in annotators:
            assert rate_through_the_api(client, annotator, submission)["counted"] is True
    submission.refresh_from_db()
    assert submission.status == ImageSubmission.Status.ACCEPTED
    assert OutboxEvent.objects.filter(delivered_at__isnull=True).count() == 4  # 3 ratings + the image
    assert LedgerEntry.objects.count() == 0

    # The broker is back; a minute later the beat's sweep delivers what waited.
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=60))
    assert deliver_waiting_outbox_events.delay().get()["delivered"] == 4
    assert deliver_waiting_outbox_events.delay().get()["delivered"] == 0
    credits = LedgerEntry.objects.values("source", "source_id").annotate(n=Count("id"))
    assert sorted((row["source"], row["n"]) for row in credits) == [
        ("contributions.imagesubmission", 1),
        ("review.rating", 1),
        ("review.rating", 1),
        ("review.rating", 1),
    ]
    assert set(LedgerEntry.objects.values_list("contributor_id", flat=True)) == {
        submission.contributor_id,
        *(annotator.pk for annotator in annotators),
    }
