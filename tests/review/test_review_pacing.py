"""An answer comes no sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served (page, API, gold
items alike); a too-fast answer is refused and the item stays the annotator's, to answer again."""

import pytest
from django.urls import reverse

from review.answers import TooFast, lease_answer
from review.models import GoldAnswer, Rating, ReviewItem, ReviewLease
from review.queue import queue_serve
from review.types import Answers

pytestmark = pytest.mark.django_db

RIGHT = Answers(relevance=5, caption_fit=True, quality_ok=True)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def paced(settings):
    settings.REVIEW_MIN_SECONDS_PER_ITEM = 3


def test_a_too_fast_answer_is_refused_and_the_item_stays_reserved(
    paced, no_gold, make_annotator, make_image_in_review, served_ago
):
    submission = make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    with pytest.raises(TooFast, match="Please look at the image a little longer") as refused:
        lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert refused.value.http_status == 429
    assert not Rating.objects.exists()
    assert ReviewLease.objects.get(pk=lease.pk).state == ReviewLease.State.ACTIVE
    assert ReviewItem.objects.get(pk=submission.pk).active_leases == 1
    assert queue_serve(annotator=annotator).key == lease.key  # still theirs
    served_ago(lease, 3)
    assert lease_answer(annotator=annotator, key=lease.key, answers=RIGHT).counted
    item = ReviewItem.objects.get(pk=submission.pk)
    assert (item.counted_ratings, item.active_leases) == (1, 0)


def test_a_skip_needs_no_waiting(paced, no_gold, make_annotator, make_image_in_review):
    make_image_in_review()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    lease_answer(annotator=annotator, key=lease.key, answers=Answers(skipped=True))
    assert Rating.objects.get(annotator=annotator).skipped


def test_a_gold_item_is_paced_the_same_way(paced, settings, make_annotator, make_screening_item, served_ago):
    settings.REVIEW_GOLD_RATE = 1
    make_screening_item()
    annotator = make_annotator()
    lease = queue_serve(annotator=annotator)
    assert lease.is_gold
    with pytest.raises(TooFast):
        lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert not GoldAnswer.objects.exists()
    served_ago(lease, 5)
    lease_answer(annotator=annotator, key=lease.key, answers=RIGHT)
    assert GoldAnswer.objects.get(annotator=annotator).correct  # expected 4: one step off is right


def test_a_burst_through_the_api_counts_nothing_then_a_paced_answer_counts(
    paced, no_gold, client, make_annotator, make_image_in_review, served_ago
):
    from accounts.services import api_token_create

    make_image_in_review()
    annotator = make_annotator()
    _token, secret = api_token_create(user=annotator, name="tests")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    item = client.get("/api/v1/review/next", **headers).json()["item"]
    url = f"/api/v1/review/items/{item['id']}/ratings"
    body = {"relevance": 5, "caption_fit": True, "quality_ok": True}
    for _ in range(5):
        response = client.post(url, body, content_type="application/json", **headers)
        assert response.status_code == 429
        assert "at least 3 seconds" in response.json()["detail"]
        assert 1 <= int(response["Retry-After"]) <= 3  # when the same answer can come
    assert not Rating.objects.exists()
    served_ago(ReviewLease.objects.get(key=item["id"]), 4)
    response = client.post(url, body, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["counted"] is True
    assert Rating.objects.get(annotator=annotator).counted


@pytest.mark.parametrize("headers", [FETCH, {}], ids=["fetch", "plain post"])
def test_the_page_keeps_the_answers_of_a_too_fast_submit(
    paced, no_gold, client, make_annotator, make_image_in_review, served_ago, headers
):
    make_image_in_review(description="Only image")
    annotator = make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    data = {"relevance": "4", "caption_fit": "yes", "quality_ok": "no", "action": "rate"}
    response = client.post(reverse("review:answer", args=[lease.key]), data, **headers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please look at the image a little longer" in page and "Only image" in page
    assert 'value="4" checked' in page and f'action="{reverse("review:answer", args=[lease.key])}"' in page
    assert not Rating.objects.exists()
    served_ago(lease, 3)
    response = client.post(reverse("review:answer", args=[lease.key]), data, **headers)
    assert response.status_code in (200, 302)
    assert Rating.objects.get(annotator=annotator).quality_ok is False
