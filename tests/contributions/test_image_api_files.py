"""The links of GET /api/v1/images/{id} (`image_url`, `display_url`, `thumbnail_url`) open with the same
bearer token as every call: a script downloads what it uploaded. On S3 they redirect to a short-lived
signed URL of the bucket. Someone else's token, or none, opens nothing."""

import io

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import jpeg
from PIL import Image

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/images"
LINKS = ("image_url", "display_url", "thumbnail_url")


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def upload(client, secret, django_capture_on_commit_callbacks) -> dict:
    data = {
        "description": "Rice terraces above Sapa in the morning mist",
        "native_description": "Sawah bertingkat di atas Sapa dalam kabut pagi",
        "countries": "VN",
        "license_confirmed": "true",
        "image": SimpleUploadedFile("terraces.jpg", jpeg()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(URL, data, **bearer(secret))
    assert created.status_code == 201, created.content
    return client.get(f"{URL}/{created.json()['id']}", **bearer(secret)).json()


def test_each_image_link_downloads_with_the_token(client, api_token, make_user, django_capture_on_commit_callbacks):
    _user, secret = api_token
    image = upload(client, secret, django_capture_on_commit_callbacks)
    _other, other_secret = api_token_create(user=make_user(), name="other")

    for link in LINKS:
        url = image[link]
        assert url.startswith("http://testserver/api/v1/images/"), url
        response = client.get(url, **bearer(secret))
        assert response.status_code == 200, (link, response.status_code)
        body = b"".join(response.streaming_content)
        decoded = Image.open(io.BytesIO(body))
        assert decoded.size[0] > 0
        assert response["Content-Type"] == ("image/jpeg" if link == "image_url" else "image/webp")
        assert client.get(url).status_code == 401  # no token: the API's 401, not the sign-in page
        assert client.get(url, **bearer(other_secret)).status_code == 404
    thumbnail = Image.open(io.BytesIO(b"".join(client.get(image["thumbnail_url"], **bearer(secret)).streaming_content)))
    original = Image.open(io.BytesIO(b"".join(client.get(image["image_url"], **bearer(secret)).streaming_content)))
    assert thumbnail.size[0] < original.size[0]


def test_a_photo_already_in_the_browser_is_revalidated_not_sent_again(
    client, api_token, django_capture_on_commit_callbacks
):
    _user, secret = api_token
    image = upload(client, secret, django_capture_on_commit_callbacks)

    first = client.get(image["thumbnail_url"], **bearer(secret))
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    again = client.get(image["thumbnail_url"], HTTP_IF_NONE_MATCH=first["ETag"], **bearer(secret))
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    other = client.get(image["display_url"], HTTP_IF_NONE_MATCH=first["ETag"], **bearer(secret))
    assert other.status_code == 200  # another file, another validator


def test_an_unknown_file_kind_is_the_apis_404(client, api_token, django_capture_on_commit_callbacks):
    _user, secret = api_token
    image = upload(client, secret, django_capture_on_commit_callbacks)

    response = client.get(image["thumbnail_url"].replace("/thumbnail/", "/exif/"), **bearer(secret))

    assert response.status_code in (400, 404) and response.json()["detail"]


def test_on_s3_the_links_redirect_to_a_signed_url_that_downloads(
    s3_storage, client, api_token, django_capture_on_commit_callbacks
):
    _user, secret = api_token
    image = upload(client, secret, django_capture_on_commit_callbacks)

    for link in LINKS:
        response = client.get(image[link], **bearer(secret))
        assert response.status_code == 302, (link, response.status_code)
        signed = response["Location"]
        assert "X-Amz-Signature=" in signed and "X-Amz-Expires=" in signed
        downloaded = requests.get(signed, timeout=10)
        assert downloaded.status_code == 200
        assert Image.open(io.BytesIO(downloaded.content)).size[0] > 0
