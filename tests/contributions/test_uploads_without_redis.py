"""Uploads while Redis (broker and cache) is down: taken and kept pending, then checked by the minute
sweep once it is back. Redis is pointed at a closed loopback port: nothing is mocked."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from image_helpers import jpeg

from contributions.models import ImageSubmission
from contributions.tasks import requeue_pending_image_checks
from tests.outages import broker_unreachable, cache_unreachable

pytestmark = pytest.mark.django_db

Status = ImageSubmission.Status

PAGE_FORM = {
    "description": "Boun Ok Phansa boat racing on the Mekong",
    "native_description": "ບຸນອອກພັນສາ",
    "native_language": "Lao (lao)",
    "countries": ["LA"],
    "location": "Vientiane, Laos",
    "group": "",
    "license_confirmed": "on",
}
API_FORM = {
    "description": "Pho seller in Hanoi's old quarter at dawn",
    "native_description": "Người bán phở ở phố cổ Hà Nội lúc bình minh",
    "native_language": "Vietnamese (vie)",
    "countries": "VN",
    "location": "Hanoi, Vietnam",
    "license_confirmed": "true",
}


def waited(seconds: int) -> None:
    """As if the pending uploads were made `seconds` ago (instead of sleeping)."""
    ImageSubmission.objects.update(updated_at=timezone.now() - timedelta(seconds=seconds))


def test_page_and_api_uploads_succeed_with_redis_down_and_are_checked_when_it_is_back(
    client, api_token, settings, django_capture_on_commit_callbacks
):
    user, secret = api_token
    client.force_login(user)
    with broker_unreachable(), cache_unreachable(settings), django_capture_on_commit_callbacks(execute=True):
        page = client.post("/images/new/", {**PAGE_FORM, "image": SimpleUploadedFile("boat.jpg", jpeg("astronaut"))})
        api = client.post(
            "/api/v1/images",
            {**API_FORM, "image": SimpleUploadedFile("pho.jpg", jpeg("coffee"))},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
    assert page.status_code == 302
    assert api.status_code == 201, api.content
    assert api.json()["status"] == "pending"
    assert sorted(ImageSubmission.objects.values_list("source", "status")) == [
        ("api", Status.PENDING),
        ("web", Status.PENDING),
    ]

    # Redis is back. The sweep (every minute) leaves checks that may still be on their way...
    waited(30)
    assert requeue_pending_image_checks.delay().get() == 0
    # ...and queues those pending longer than IMAGE_PENDING_REQUEUE_SECONDS (90 s): checked at once.
    waited(settings.IMAGE_PENDING_REQUEUE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_pending_image_checks.delay().get() == 2
    assert set(ImageSubmission.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert set(ImageSubmission.objects.values_list("check_attempts", flat=True)) == {1}


def test_a_sweep_during_a_long_queue_queues_each_check_again_once_per_threshold(contributor, settings):
    from image_helpers import BASE_FIELDS

    from contributions.services import image_submission_create

    with broker_unreachable():
        image_submission_create(contributor=contributor, upload=jpeg("chelsea"), **{**BASE_FIELDS, "source": "web"})
        waited(settings.IMAGE_PENDING_REQUEUE_SECONDS + 1)
        assert requeue_pending_image_checks() == 1  # the broker is still down: logged, not raised
        assert requeue_pending_image_checks() == 0  # the next minute: not again before the threshold
    assert ImageSubmission.objects.get().status == Status.PENDING


def test_the_cache_answers_misses_instead_of_raising_while_redis_is_down(settings):
    with cache_unreachable(settings):
        assert cache.get("anything", "fallback") == "fallback"
        cache.set("anything", 1)
        assert cache.add("anything", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.incr("counter", 3) == 3
        assert cache.delete("anything") is False
    cache.set("anything", 1)  # Redis back: the cache works again
    assert cache.get("anything") == 1
