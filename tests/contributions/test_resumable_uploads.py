"""Resumable uploads through the pages' JSON endpoints (docs/uploads.md), on local disk and on moto's S3
server: a photo sent in small parts, resumed from what the storage holds, completed once."""

import hashlib

import pytest
import requests
from image_helpers import BASE_FIELDS, jpeg

from contributions import storage
from contributions.models import ImageSubmission, ResumableUpload

pytestmark = pytest.mark.django_db

CHUNK = 16 * 1024
BASE = "/images/uploads/resumable/"


@pytest.fixture(params=["local", "s3"])
def backend(request, settings):
    """Each test twice: the embedded default (local disk, the portal's part endpoint) and S3 (moto)."""
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


def finalize_form(ticket: str, **overrides) -> dict:
    fields = {**BASE_FIELDS, "license_confirmed": "on", **overrides}
    return {"ticket": ticket, **fields}


class Browser:
    """What upload.js does, step by step, with the Django test client and (for S3) `requests`."""

    def __init__(self, client):
        self.client = client

    def create(self, data: bytes, **overrides):
        body = {"size": len(data), "filename": "lemang.jpg", "content_type": "image/jpeg", **overrides}
        return self.client.post(BASE, body, content_type="application/json")

    def status(self, upload: str):
        return self.client.get(f"{BASE}{upload}/")

    def targets(self, upload: str, numbers):
        return self.client.post(f"{BASE}{upload}/parts/", {"numbers": list(numbers)}, content_type="application/json")

    def put(self, target: dict, body: bytes) -> int:
        if target["url"].startswith("http"):
            return requests.put(target["url"], data=body, headers=target["headers"], timeout=30).status_code
        response = self.client.generic("PUT", target["url"], body, content_type="application/octet-stream")
        return response.status_code

    def send(self, upload: str, data: bytes, numbers, chunk: int = CHUNK) -> None:
        response = self.targets(upload, numbers)
        assert response.status_code == 200, response.content
        for target in response.json()["parts"]:
            start = (target["number"] - 1) * chunk
            body = data[start : start + chunk]
            assert target["size"] == len(body) and target["method"] == "PUT"
            assert self.put(target, body) == 200

    def finalize(self, ticket: str, capture, **overrides):
        with capture(execute=True):
            return self.client.post("/images/uploads/finalize/", finalize_form(ticket, **overrides))


@pytest.fixture
def browser(client, contributor):
    client.force_login(contributor)
    return Browser(client)


def test_a_photo_sent_in_parts_becomes_the_original_and_goes_to_review(
    backend, browser, django_capture_on_commit_callbacks
):
    data = jpeg()
    created = browser.create(data)

    assert created.status_code == 201, created.content
    body = created.json()
    part_count = -(-len(data) // CHUNK)
    assert body["chunk_size"] == CHUNK and body["part_count"] == part_count and body["parts_done"] == []
    assert body["expires_at"] and body["ticket"]
    upload = ResumableUpload.objects.get(pk=body["upload"])
    if backend == "s3":
        urls = browser.targets(body["upload"], [1]).json()["parts"][0]["url"]
        assert "X-Amz-Signature" in urls and "content-length" in urls.lower()

    browser.send(body["upload"], data, range(1, part_count + 1))
    status = browser.status(body["upload"]).json()
    assert status["parts_done"] == list(range(1, part_count + 1))
    assert status["bytes_done"] == len(data) and status["complete"] is True

    final = browser.finalize(body["ticket"], django_capture_on_commit_callbacks)

    assert final.status_code == 201, final.content
    submission = ImageSubmission.objects.get(pk=final.json()["id"])
    assert submission.key == upload.key
    assert submission.upload_sha256 == hashlib.sha256(data).hexdigest()
    assert submission.status == ImageSubmission.Status.IN_REVIEW
    assert submission.original_filename == "lemang.jpg"
    # The parts are gone once the original is assembled; the row remembers it completed.
    assert storage.sizes_under(upload.prefix) == {}
    assert ResumableUpload.objects.get(pk=upload.pk).state == ResumableUpload.State.COMPLETED


def test_an_interrupted_upload_resumes_from_what_the_storage_holds(
    backend, browser, django_capture_on_commit_callbacks
):
    data = jpeg("coffee")
    body = browser.create(data).json()
    count = body["part_count"]
    first_half = list(range(1, count // 2 + 1))
    browser.send(body["upload"], data, first_half)

    # The page is reloaded: all the browser knows is the upload's id.
    status = browser.status(body["upload"])
    assert status.status_code == 200
    assert status.json()["parts_done"] == first_half
    assert status.json()["bytes_done"] == len(first_half) * CHUNK
    assert status.json()["complete"] is False

    rest = [n for n in range(1, count + 1) if n not in status.json()["parts_done"]]
    browser.send(body["upload"], data, [rest[0], *rest])  # a part sent twice is harmless
    browser.send(body["upload"], data, [1])

    final = browser.finalize(status.json()["ticket"], django_capture_on_commit_callbacks)
    assert final.status_code == 201, final.content
    submission = ImageSubmission.objects.get(pk=final.json()["id"])
    assert submission.upload_sha256 == hashlib.sha256(data).hexdigest()


def test_a_part_of_the_wrong_size_is_not_counted_and_the_finalize_names_what_is_missing(
    backend, browser, django_capture_on_commit_callbacks
):
    data = jpeg()
    body = browser.create(data).json()
    count = body["part_count"]
    browser.send(body["upload"], data, range(1, count))  # all but the last
    target = browser.targets(body["upload"], [count]).json()["parts"][0]

    status_code = browser.put(target, data[-10:] + b"extra bytes")  # not the declared size
    if backend == "local":
        assert status_code == 400
    # Either the storage refused it, or it is there and is not counted (moto does not check the signed length).
    assert browser.status(body["upload"]).json()["parts_done"] == list(range(1, count))

    final = browser.finalize(body["ticket"], django_capture_on_commit_callbacks)
    assert final.status_code == 409
    assert str(count) in final.json()["errors"]["parts"][0]
    assert not ImageSubmission.objects.exists()

    browser.send(body["upload"], data, [count])
    assert browser.finalize(body["ticket"], django_capture_on_commit_callbacks).status_code == 201


def test_finalizing_twice_gives_one_submission(backend, browser, django_capture_on_commit_callbacks):
    data = jpeg()
    body = browser.create(data).json()
    browser.send(body["upload"], data, range(1, body["part_count"] + 1))

    first = browser.finalize(body["ticket"], django_capture_on_commit_callbacks)
    second = browser.finalize(body["ticket"], django_capture_on_commit_callbacks)

    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert ImageSubmission.objects.count() == 1


def test_cancel_deletes_the_parts_and_the_row(backend, browser, django_capture_on_commit_callbacks):
    data = jpeg()
    body = browser.create(data).json()
    browser.send(body["upload"], data, [1, 2])
    upload = ResumableUpload.objects.get(pk=body["upload"])
    assert len(storage.sizes_under(upload.prefix)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.client.delete(f"{BASE}{body['upload']}/")

    assert response.status_code == 204
    assert not ResumableUpload.objects.filter(pk=upload.pk).exists()
    assert storage.sizes_under(upload.prefix) == {}
    assert browser.status(body["upload"]).status_code == 404


def test_refusals(browser, settings, make_user, client):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = jpeg()

    too_large = browser.create(data, size=25 * 1024 * 1024 + 1)
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == "The file is too large: at most 25 MB per image."
    assert browser.create(data, size=0).status_code == 400
    assert browser.create(data, content_type="text/html").status_code == 415
    assert browser.status("00000000-0000-4000-8000-000000000000").status_code == 404
    assert browser.status("not-a-uuid").status_code == 404

    body = browser.create(data).json()
    out_of_range = browser.targets(body["upload"], [0, body["part_count"] + 1])
    assert out_of_range.status_code == 400 and "numbers" in out_of_range.json()["errors"]
    assert browser.targets(body["upload"], range(1, 102)).status_code == 400
    local_out_of_range = browser.client.generic(
        "PUT", f"{BASE}{body['upload']}/parts/{body['part_count'] + 1}/", b"x"
    )
    assert local_out_of_range.status_code == 400

    # Someone else's upload does not exist for them.
    client.force_login(make_user())
    other = Browser(client)
    assert other.status(body["upload"]).status_code == 404
    assert other.targets(body["upload"], [1]).status_code == 404
    assert client.delete(f"{BASE}{body['upload']}/").status_code == 404
    assert client.generic("PUT", f"{BASE}{body['upload']}/parts/1/", b"x" * CHUNK).status_code == 404
    assert ResumableUpload.objects.filter(pk=body["upload"]).exists()


def test_a_contributor_has_at_most_a_few_uploads_in_progress(browser, settings):
    settings.RESUMABLE_UPLOAD_MAX_OPEN = 2
    data = jpeg()
    assert browser.create(data).status_code == 201
    assert browser.create(data).status_code == 201

    third = browser.create(data)

    assert third.status_code == 409
    assert "uploads in progress" in third.json()["detail"]


def test_a_closed_task_refuses_a_new_upload(browser):
    from campaign.models import Task
    from campaign.services import tasks_set_status

    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    response = browser.create(jpeg())

    assert response.status_code == 403 and "closed" in response.json()["detail"]
    assert not ResumableUpload.objects.exists()


def test_the_bucket_lets_the_page_put_parts_and_read_their_etag(s3_storage, browser, settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = jpeg()
    body = browser.create(data).json()
    target = browser.targets(body["upload"], [1]).json()["parts"][0]
    origin = "http://portal.example.org"

    preflight = requests.options(
        target["url"],
        headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
        timeout=30,
    )
    sent = requests.put(target["url"], data=data[:CHUNK], headers={"Origin": origin}, timeout=30)

    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert sent.status_code == 200 and sent.headers["ETag"]
    assert "ETag" in sent.headers["Access-Control-Expose-Headers"]


def test_an_upload_past_its_time_is_not_found(browser, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.UPLOAD_CHUNK_BYTES = CHUNK
    body = browser.create(jpeg()).json()
    ResumableUpload.objects.filter(pk=body["upload"]).update(created_at=timezone.now() - timedelta(hours=25))

    assert browser.status(body["upload"]).status_code == 404
    assert browser.targets(body["upload"], [1]).status_code == 404


def test_the_local_part_endpoint_wants_the_csrf_header(contributor, settings):
    from django.test import Client

    settings.UPLOAD_CHUNK_BYTES = CHUNK
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    client.get("/images/new/")  # the page sets the CSRF cookie the script reads
    token = client.cookies["csrftoken"].value
    data = jpeg()
    created = client.post(
        BASE, {"size": len(data)}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert created.status_code == 201
    url = f"{BASE}{created.json()['upload']}/parts/1/"

    refused = client.generic("PUT", url, data[:CHUNK])
    stored = client.generic("PUT", url, data[:CHUNK], HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert stored.status_code == 200 and stored.json() == {"number": 1, "size": CHUNK}


def test_a_resumable_uploads_ticket_does_not_open_the_whole_file_endpoint(browser, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = jpeg()
    body = browser.create(data).json()

    response = browser.client.post(
        f"/images/uploads/{body['ticket']}/", {"file": SimpleUploadedFile("a.jpg", data, "image/jpeg")}
    )

    assert response.status_code == 403
    assert not storage.exists(ResumableUpload.objects.get().original_name)


class _LinkDropsAfter:
    """A request body whose connection drops after `keep` bytes, as a phone's link does mid-part."""

    def __init__(self, body: bytes, keep: int):
        self.body, self.keep, self.position = body, keep, 0

    def read(self, size=-1):
        if self.position >= self.keep:
            raise ConnectionResetError("connection reset by peer")
        end = min(self.keep, len(self.body) if size < 0 else self.position + size)
        chunk, self.position = self.body[self.position : end], end
        return chunk

    def readline(self, size=-1):
        return self.read(size)


def test_a_part_cut_mid_way_is_refused_quietly_and_nothing_of_it_is_kept(browser, settings, caplog):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    data = jpeg()
    body = browser.create(data).json()
    target = browser.targets(body["upload"], [1]).json()["parts"][0]
    part = data[:CHUNK]

    response = browser.client.generic(
        "PUT",
        target["url"],
        part,
        content_type="application/octet-stream",
        **{"wsgi.input": _LinkDropsAfter(part, keep=CHUNK // 2)},
    )

    assert response.status_code == 400
    assert "did not arrive whole" in response.json()["detail"]
    assert not [record for record in caplog.records if record.levelname == "ERROR"]  # no "Internal Server Error"
    assert browser.status(body["upload"]).json()["parts_done"] == []
    browser.send(body["upload"], data, [1])  # sent again whole, it counts
    assert browser.status(body["upload"]).json()["parts_done"] == [1]
