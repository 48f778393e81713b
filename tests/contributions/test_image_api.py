"""POST/GET /api/v1/images: the JSON a script sees, and never a 500 whatever it sends."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import NOT_IMAGES, jpeg, png

from campaign.models import Task
from campaign.services import tasks_set_status
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db

URL = "/api/v1/images"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def form(**overrides):
    data = {
        "description": "Pho seller in Hanoi's old quarter at dawn",
        "native_description": "Người bán phở ở phố cổ Hà Nội lúc bình minh",
        "native_language": "Vietnamese (vie)",
        "countries": "VN",
        "location": "Hanoi, Vietnam",
        "license_confirmed": "true",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, secret, image=None, **overrides):
    data = form(**overrides)
    if image is not None:
        data["image"] = image
    return client.post(URL, data, **bearer(secret))


def test_a_script_submits_an_image_and_follows_it_to_review(
    client, api_token, django_capture_on_commit_callbacks
):
    user, secret = api_token
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, secret, SimpleUploadedFile("pho.jpg", jpeg()), countries="VN,LA")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["countries"] == ["LA", "VN"]
    assert body["native_language"] == "Vietnamese (vie)"

    checked = client.get(f"{URL}/{body['id']}", **bearer(secret)).json()
    assert checked["status"] == "in_review" and checked["rejection_reasons"] == []
    assert (checked["width"], checked["height"]) == (768, 576)
    assert checked["thumbnail_url"].endswith(f"/images/{ImageSubmission.objects.get().key}/thumbnail/")
    assert ImageSubmission.objects.get().source == "api"


def test_repeated_country_fields_are_accepted(client, api_token):
    _user, secret = api_token
    data = form(countries=None)
    data["countries"] = ["TH", "Laos"]
    data["image"] = SimpleUploadedFile("a.png", png())

    response = client.post(URL, data, **bearer(secret))

    assert response.status_code == 201
    assert response.json()["countries"] == ["LA", "TH"]


def test_rejection_reasons_are_listed_with_code_and_message(
    client, api_token, django_capture_on_commit_callbacks
):
    _user, secret = api_token
    with django_capture_on_commit_callbacks(execute=True):
        created = post(client, secret, SimpleUploadedFile("small.jpg", jpeg(size=(500, 400)))).json()

    body = client.get(f"{URL}/{created['id']}", **bearer(secret)).json()

    assert body["status"] == "rejected"
    assert body["rejection_reasons"][0]["code"] == "too_small"
    assert body["rejection_reasons"][0]["message"]


def test_list_is_own_paginated_and_filtered_by_status(client, api_token, make_user, submit):
    user, secret = api_token
    for name in ("astronaut", "coffee", "chelsea"):
        submit(user, jpeg(name))
    submit(user, jpeg("rocket", size=(500, 400)))  # rejected: too small
    submit(make_user(), jpeg("camera"))

    everything = client.get(URL, **bearer(secret)).json()
    rejected = client.get(f"{URL}?status=rejected", **bearer(secret)).json()
    far_page = client.get(f"{URL}?page=99999999999999", **bearer(secret))

    assert everything["count"] == 4 and len(everything["items"]) == 4
    assert [item["status"] for item in rejected["items"]] == ["rejected"]
    assert far_page.status_code == 200 and far_page.json()["items"] == []
    assert client.get(f"{URL}?status=bogus", **bearer(secret)).status_code == 400


def test_someone_elses_image_is_404(client, api_token, make_user, submit):
    _user, secret = api_token
    other = submit(make_user(), jpeg())

    response = client.get(f"{URL}/{other.pk}", **bearer(secret))

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("image_id", ["99999999999999999999999", "0", "abc", "-1"])
def test_odd_ids_are_4xx(client, api_token, image_id):
    _user, secret = api_token

    assert client.get(f"{URL}/{image_id}", **bearer(secret)).status_code in (400, 404)


def test_no_token_is_401(client):
    assert client.post(URL, form()).status_code == 401
    assert client.get(URL).status_code == 401


def test_closed_task_and_incomplete_profile_are_403(client, make_user):
    from accounts.services import api_token_create

    _token, incomplete = api_token_create(user=make_user(complete_profile=False), name="t")
    response = post(client, incomplete, SimpleUploadedFile("a.jpg", jpeg()))
    assert response.status_code == 403 and "profile" in response.json()["detail"]

    _token, secret = api_token_create(user=make_user(), name="t")
    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)
    response = post(client, secret, SimpleUploadedFile("a.jpg", jpeg()))
    assert response.status_code == 403 and "closed" in response.json()["detail"]
    assert not ImageSubmission.objects.exists()


def test_the_same_image_twice_is_409(client, api_token):
    _user, secret = api_token
    data = jpeg()
    assert post(client, secret, SimpleUploadedFile("a.jpg", data)).status_code == 201

    response = post(client, secret, SimpleUploadedFile("b.jpg", data))

    assert response.status_code == 409
    assert response.json()["errors"]["image"]


@pytest.mark.parametrize("kind", ["svg", "html", "gif", "exe"])
def test_not_an_accepted_image_is_415(client, api_token, kind):
    _user, secret = api_token

    response = post(
        client, secret, SimpleUploadedFile("photo.jpg", NOT_IMAGES[kind], content_type="image/jpeg")
    )

    assert response.status_code == 415
    assert response.json()["errors"]["image"]


def test_a_too_large_body_is_413_before_it_is_read(client, api_token):
    _user, secret = api_token

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body of a too large upload was read")

        readline = read

    response = client.generic(
        "POST",
        URL,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(40 * 1024 * 1024),
        **bearer(secret),
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    assert "25 MB" in response.json()["detail"]


def test_a_file_over_the_limit_is_413(client, api_token, settings):
    _user, secret = api_token
    settings.IMAGE_MAX_UPLOAD_BYTES = 50_000

    response = post(client, secret, SimpleUploadedFile("big.jpg", jpeg(size=(1600, 1200), quality=95)))

    assert response.status_code == 413


HOSTILE = [
    ("no fields at all", {}, None),
    ("no image", form(), None),
    ("empty file", form(), ("empty.jpg", b"")),
    ("garbage file", form(), ("x.jpg", b"\x00\x01garbage" * 100)),
    ("huge description", form(description="x" * 200_000), "jpeg"),
    ("unknown countries", form(countries="Narnia,XX"), "jpeg"),
    ("no countries", form(countries=""), "jpeg"),
    ("licence not confirmed", form(license_confirmed="no"), "jpeg"),
    ("wrong types", form(license_confirmed="[1,2]", countries="{}"), "jpeg"),
    ("image as text", {**form(), "image": "not a file"}, None),
]


@pytest.mark.parametrize(("label", "data", "image"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_input_is_a_clear_4xx_never_a_500(client, api_token, label, data, image):
    _user, secret = api_token
    data = dict(data)
    if image == "jpeg":
        data["image"] = SimpleUploadedFile("a.jpg", jpeg())
    elif image is not None:
        data["image"] = SimpleUploadedFile(*image)

    response = client.post(URL, data, **bearer(secret))

    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert body["detail"] and isinstance(body["errors"], dict)


def test_control_characters_and_odd_languages_are_cleaned_not_crashed_on(client, api_token):
    _user, secret = api_token

    response = post(
        client,
        secret,
        SimpleUploadedFile("a.jpg", jpeg()),
        description="a\x00b\x07c",
        location="\x00",
        native_language="((((" * 100,
    )

    assert response.status_code == 201
    submission = ImageSubmission.objects.get()
    assert submission.description == "abc" and submission.location == ""
    assert submission.native_language_code == "und" and len(submission.native_language_name) <= 64


def test_not_multipart_at_all_is_a_4xx(client, api_token):
    _user, secret = api_token

    response = client.post(URL, b"\x00\xff" * 100, content_type="application/json", **bearer(secret))

    assert 400 <= response.status_code < 500


def test_too_many_uploads_are_429(client, api_token, settings):
    _user, secret = api_token
    settings.IMAGE_API_UPLOAD_RATE = "2/m"

    statuses = [post(client, secret).status_code for _ in range(3)]

    assert statuses[:2] == [400, 400] and statuses[2] == 429


def test_the_upload_is_documented_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/images"]["post"]
    properties = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert {"image", "description", "countries", "license_confirmed"} <= set(properties)


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/images/abc"),
        ("get", "/api/v1/images/bulk/abc"),
        ("get", "/api/v1/no-such-endpoint/"),
        ("post", "/api/v1/images/abc/withdraw"),
    ],
)
def test_every_404_under_the_api_is_json(client, api_token, settings, debug, method, path):
    settings.DEBUG = debug
    _user, secret = api_token
    client = type(client)(enforce_csrf_checks=True)

    response = getattr(client, method)(path, **bearer(secret))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "errors": {}}
