"""Resumable uploads through the API (bearer token), on local disk and on moto's S3 server: the same
protocol as the pages, completed with the image's fields."""

import hashlib

import pytest
import requests
from image_helpers import BASE_FIELDS, jpeg

from contributions.models import ImageSubmission, ResumableUpload

pytestmark = pytest.mark.django_db

CHUNK = 16 * 1024
URL = "/api/v1/images/uploads"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture(params=["local", "s3"])
def backend(request, settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def send(client, secret, upload: str, data: bytes, numbers) -> None:
    targets = client.post(f"{URL}/{upload}/parts", {"numbers": list(numbers)}, content_type="application/json", **bearer(secret))
    assert targets.status_code == 200, targets.content
    for target in targets.json()["parts"]:
        body = data[(target["number"] - 1) * CHUNK : target["number"] * CHUNK]
        if "X-Amz-Signature" in target["url"]:
            assert requests.put(target["url"], data=body, timeout=30).status_code == 200
        else:
            assert target["url"].startswith("http://testserver/api/v1/images/uploads/")
            response = client.generic(
                "PUT", target["url"], body, content_type="application/octet-stream", **bearer(secret)
            )
            assert response.status_code == 200, response.content
            assert response.json() == {"number": target["number"], "size": len(body)}


def complete(client, secret, upload: str, capture, **overrides):
    fields = {**BASE_FIELDS, **overrides}
    with capture(execute=True):
        return client.post(f"{URL}/{upload}/complete", fields, content_type="application/json", **bearer(secret))


def test_a_script_sends_an_image_in_parts_resumes_and_completes_it(
    backend, client, api_token, django_capture_on_commit_callbacks
):
    _user, secret = api_token
    data = jpeg()
    created = client.post(
        URL, {"size": len(data), "filename": "lemang.jpg", "content_type": "image/jpeg"},
        content_type="application/json", **bearer(secret),
    )
    assert created.status_code == 201, created.content
    upload = created.json()["upload"]
    count = created.json()["part_count"]
    assert count == -(-len(data) // CHUNK)

    send(client, secret, upload, data, range(1, 3))
    status = client.get(f"{URL}/{upload}", **bearer(secret)).json()
    assert status["parts_done"] == [1, 2] and status["complete"] is False

    missing = complete(client, secret, upload, django_capture_on_commit_callbacks)
    assert missing.status_code == 409 and "parts" in missing.json()["errors"]

    send(client, secret, upload, data, range(3, count + 1))
    done = complete(client, secret, upload, django_capture_on_commit_callbacks)
    again = complete(client, secret, upload, django_capture_on_commit_callbacks)

    assert done.status_code == 201, done.content
    assert done.json()["status"] == "pending"  # checked once the request's transaction commits
    assert again.status_code == 201 and again.json()["id"] == done.json()["id"]
    submission = ImageSubmission.objects.get()
    assert submission.status == ImageSubmission.Status.IN_REVIEW
    assert submission.source == "api" and submission.upload_sha256 == hashlib.sha256(data).hexdigest()
    assert client.get(f"{URL}/{upload}", **bearer(secret)).json()["state"] == "completed"


def test_the_api_refuses_as_the_pages_do(client, api_token, make_user, settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    _user, secret = api_token
    big = client.post(URL, {"size": 26 * 1024 * 1024}, content_type="application/json", **bearer(secret))
    assert big.status_code == 413 and "size" in big.json()["errors"]
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"{URL}/{unknown}", **bearer(secret)).status_code == 404

    upload = client.post(URL, {"size": 40_000}, content_type="application/json", **bearer(secret)).json()["upload"]
    wrong_size = client.generic("PUT", f"{URL}/{upload}/parts/1", b"x" * 10, **bearer(secret))
    assert wrong_size.status_code == 400 and "exactly 16384 bytes" in wrong_size.json()["detail"]

    from accounts.services import api_token_create

    _token, other = api_token_create(user=make_user(), name="other")
    assert client.get(f"{URL}/{upload}", **bearer(other)).status_code == 404
    assert client.delete(f"{URL}/{upload}", **bearer(other)).status_code == 404

    assert client.delete(f"{URL}/{upload}", **bearer(secret)).status_code == 204
    assert not ResumableUpload.objects.exists()
    assert client.get(f"{URL}/{upload}").status_code == 401
