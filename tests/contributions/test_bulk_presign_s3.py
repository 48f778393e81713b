"""The bulk import on S3 (moto on loopback): the ZIP goes from the browser straight to the bucket with a
presigned POST, the form names its key, and the import reads it from storage. The bucket checks each
POST form against its signed policy as S3 does (`s3_policy_storage`, see tests/s3.py)."""

import base64
import json
import os
from datetime import timedelta

import pytest
import requests
from bulk_fixtures import SAMPLE_FILES, csv_from, row, sample_csv, sample_zip
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from contributions.bulk.processing import bulk_archives_sweep_orphans
from contributions.models import BulkImport, BulkImportRow, ImageSubmission

pytestmark = pytest.mark.django_db


def presign(client) -> dict:
    response = client.post("/images/bulk/presign/")
    assert response.status_code == 200, response.content
    return response.json()


def post_to_bucket(ticket: dict, data: bytes, **fields) -> requests.Response:
    """What the page's script sends: the policy's fields, the type, then the file."""
    return requests.post(
        ticket["url"],
        data={**ticket["fields"], "Content-Type": "application/zip", **fields},
        files={"file": ("photos.zip", data, "application/zip")},
        timeout=30,
    )


def submit_key(client, key: str, csv_data: bytes | None = sample_csv(), *, name: str = "photos.zip"):
    data = {"archive_key": key, "archive_name": name, "license_confirmed": "on"}
    if csv_data is not None:
        data["csv"] = SimpleUploadedFile("bulk.csv", csv_data, content_type="text/csv")
    return client.post("/images/bulk/", data)


def keys_in(client, bucket: str) -> set[str]:
    return {entry["Key"] for entry in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


@pytest.fixture
def signed_in(client, contributor):
    client.force_login(contributor)
    return client


def test_the_presigned_post_is_limited_to_one_key_of_the_user_and_the_archive_limit(
    s3_policy_storage, signed_in, contributor, settings
):
    s3, bucket = s3_policy_storage
    settings.BULK_MAX_ARCHIVE_BYTES = 50_000
    ticket = presign(signed_in)

    assert ticket["key"].startswith(f"bulk/pending/{contributor.pk}/") and ticket["key"].endswith(".zip")
    assert ticket["url"].startswith(s3.meta.endpoint_url) and ticket["max_bytes"] == 50_000
    assert ticket["too_large"] == "The archive is larger than 0 MB. Split it into smaller ZIPs."
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    assert ["content-length-range", 1, 50_000] in policy["conditions"]
    assert {"key": ticket["key"]} in policy["conditions"]

    # The bucket refuses a ZIP over the limit, and any other key, and stores nothing.
    too_big = post_to_bucket(ticket, os.urandom(60_000))
    assert too_big.status_code == 400 and "EntityTooLarge" in too_big.text
    other_key = post_to_bucket(ticket, b"PK", key=f"bulk/pending/{contributor.pk + 1}/x.zip")
    assert other_key.status_code == 403
    assert keys_in(s3, bucket) == set()

    fits = post_to_bucket(ticket, os.urandom(40_000))
    assert fits.status_code == 204, fits.text
    assert keys_in(s3, bucket) == {ticket["key"]}


def test_a_zip_posted_to_the_bucket_becomes_a_finished_import(
    s3_policy_storage, signed_in, contributor, django_capture_on_commit_callbacks
):
    s3, bucket = s3_policy_storage
    ticket = presign(signed_in)
    assert post_to_bucket(ticket, sample_zip()).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        response = submit_key(signed_in, ticket["key"])

    bulk_import = BulkImport.objects.get(contributor=contributor)
    assert response.status_code == 302 and response["Location"] == f"/images/bulk/{bulk_import.pk}/"
    assert bulk_import.status == BulkImport.Status.DONE and bulk_import.archive_name == "photos.zip"
    rows = list(bulk_import.rows.order_by("row_number"))
    assert [r.status for r in rows] == [BulkImportRow.Status.IMPORTED] * len(SAMPLE_FILES)
    assert {r.submission.status for r in rows} == {ImageSubmission.Status.IN_REVIEW}
    # The import read the ZIP where the browser put it, and deleted it once every row had its result.
    assert bulk_import.archive_size == len(sample_zip())
    assert not any(key.startswith("bulk/") for key in keys_in(s3, bucket))


def test_a_csv_to_correct_keeps_the_uploaded_zip_for_the_next_try(
    s3_policy_storage, signed_in, contributor, django_capture_on_commit_callbacks
):
    s3, bucket = s3_policy_storage
    ticket = presign(signed_in)
    post_to_bucket(ticket, sample_zip())

    refused = submit_key(signed_in, ticket["key"], b"not,the,campaign,header\n1,2,3,4\n")

    assert refused.status_code == 400 and not BulkImport.objects.exists()
    page = refused.content.decode()
    assert "Your ZIP “photos.zip” is uploaded" in page and f'value="{ticket["key"]}"' in page
    assert ticket["key"] in keys_in(s3, bucket)
    rows = [row(name) for name in SAMPLE_FILES]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = submit_key(signed_in, ticket["key"], csv_from(rows))
    assert accepted.status_code == 302
    assert BulkImport.objects.get().rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 4


def test_a_key_of_another_user_is_refused_and_left_alone(s3_policy_storage, client, contributor, make_user):
    s3, bucket = s3_policy_storage
    other = make_user("other@example.org")
    client.force_login(other)
    ticket = presign(client)
    post_to_bucket(ticket, sample_zip())
    client.force_login(contributor)

    response = submit_key(client, ticket["key"])

    assert response.status_code == 403
    assert "This uploaded ZIP is not one of yours." in response.content.decode()
    assert not BulkImport.objects.exists() and ticket["key"] in keys_in(s3, bucket)
    for key in (
        "images/original/0b7c6f1e-1111-4222-8333-944455556666",
        f"bulk/pending/{contributor.pk}/../x.zip",
    ):
        assert submit_key(client, key).status_code == 403


def test_a_missing_object_is_refused_with_a_clear_message(s3_policy_storage, signed_in):
    ticket = presign(signed_in)  # the upload never happened (or the sweep deleted it)

    response = submit_key(signed_in, ticket["key"])

    assert response.status_code == 400 and not BulkImport.objects.exists()
    page = response.content.decode()
    assert "Your uploaded ZIP was not found" in page and "Choose it and upload it again." in page
    assert f'value="{ticket["key"]}"' not in page  # the form asks for the ZIP again


def test_an_object_over_the_limit_is_refused_from_its_size_and_deleted(s3_storage, signed_in, settings):
    s3, bucket = s3_storage
    ticket = presign(signed_in)
    post_to_bucket(ticket, sample_zip())
    settings.BULK_MAX_ARCHIVE_BYTES = 1000  # lowered after the upload: only the HEAD can tell

    response = submit_key(signed_in, ticket["key"])

    assert response.status_code == 413
    assert "The archive is larger than 0 MB. Split it into smaller ZIPs." in response.content.decode()
    assert not BulkImport.objects.exists() and keys_in(s3, bucket) == set()


def test_the_same_key_twice_shows_the_first_import(s3_policy_storage, signed_in, contributor, monkeypatch):
    from contributions.bulk import tasks as bulk_tasks

    monkeypatch.setattr(bulk_tasks.process_bulk_import, "delay", lambda *args, **kwargs: None)
    ticket = presign(signed_in)
    post_to_bucket(ticket, sample_zip())
    first = submit_key(signed_in, ticket["key"])
    corrected = csv_from([row(name) for name in SAMPLE_FILES])

    again = submit_key(signed_in, ticket["key"], corrected)

    bulk_import = BulkImport.objects.get()
    assert first["Location"] == again["Location"] == f"/images/bulk/{bulk_import.pk}/"
    assert bulk_import.archive.name == ticket["key"] and default_storage.exists(ticket["key"])


def test_without_javascript_the_form_still_sends_the_zip_itself(
    s3_storage, signed_in, contributor, django_capture_on_commit_callbacks
):
    s3, bucket = s3_storage
    page = signed_in.get("/images/bulk/").content.decode()
    assert 'data-presign-url="/images/bulk/presign/"' in page and 'enctype="multipart/form-data"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            "/images/bulk/",
            {
                "archive": SimpleUploadedFile("photos.zip", sample_zip(), content_type="application/zip"),
                "csv": SimpleUploadedFile("bulk.csv", sample_csv(), content_type="text/csv"),
                "license_confirmed": "on",
            },
        )

    assert response.status_code == 302
    bulk_import = BulkImport.objects.get(contributor=contributor)
    assert bulk_import.status == BulkImport.Status.DONE
    assert bulk_import.rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 4


def test_on_local_disk_the_page_keeps_the_direct_form(signed_in):
    page = signed_in.get("/images/bulk/").content.decode()
    assert "data-presign-url" not in page

    response = signed_in.post("/images/bulk/presign/")
    assert response.status_code == 409
    assert response.json()["detail"] == "Direct uploads are not available here: send the ZIP with the form."


def test_the_sweep_deletes_a_presigned_zip_whose_form_never_came(
    s3_policy_storage, signed_in, contributor, monkeypatch
):
    from contributions.bulk import tasks as bulk_tasks

    s3, bucket = s3_policy_storage
    monkeypatch.setattr(bulk_tasks.process_bulk_import, "delay", lambda *args, **kwargs: None)
    abandoned, submitted = presign(signed_in), presign(signed_in)
    post_to_bucket(abandoned, sample_zip(seed=1))
    post_to_bucket(submitted, sample_zip(seed=2))
    assert submit_key(signed_in, submitted["key"]).status_code == 302  # queued, not processed yet

    assert bulk_archives_sweep_orphans() == []  # younger than an hour: maybe still on its way
    assert bulk_archives_sweep_orphans(min_age=timedelta(0)) == [abandoned["key"]]

    assert keys_in(s3, bucket) == {submitted["key"]}


# --- the same two steps through the API -------------------------------------------------------------


def test_the_api_takes_the_key_of_a_zip_posted_to_the_bucket(
    s3_policy_storage, client, api_token, django_capture_on_commit_callbacks
):
    user, secret = api_token
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ticket = client.post("/api/v1/images/bulk/presign", **auth).json()
    assert ticket["key"].startswith(f"bulk/pending/{user.pk}/")
    assert post_to_bucket(ticket, sample_zip(with_csv=True)).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/images/bulk", {"archive_key": ticket["key"], "license_confirmed": "true"}, **auth
        )

    assert response.status_code == 202, response.content
    status = client.get(response.json()["status_url"], **auth).json()
    assert status["finished"] and status["imported_rows"] == 4
    missing = client.post(
        "/api/v1/images/bulk", {"archive_key": presign_api(client, auth), "license_confirmed": "true"}, **auth
    )
    assert missing.status_code == 400 and "was not found" in missing.json()["errors"]["archive"][0]


def presign_api(client, auth) -> str:
    return client.post("/api/v1/images/bulk/presign", **auth).json()["key"]


def test_the_api_presign_is_a_409_on_local_disk(client, api_token):
    _user, secret = api_token

    response = client.post("/api/v1/images/bulk/presign", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 409 and response.json()["detail"]
