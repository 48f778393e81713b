"""Task 1 on S3 (moto's server on loopback, a real HTTP endpoint): private objects, signed URLs, the
browser's presigned POST, and the orphan sweep."""

import base64
import json

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import gps_exif, gps_in, jpeg

from contributions import sweeps
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db


def test_an_upload_is_checked_and_stored_privately_in_the_bucket(s3_storage, contributor, submit):
    client, bucket = s3_storage

    submission = submit(contributor, SimpleUploadedFile("gps.jpg", jpeg(exif=gps_exif())))

    assert submission.status == ImageSubmission.Status.IN_REVIEW
    keys = {entry["Key"] for entry in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {submission.original.name, submission.thumbnail.name, submission.display.name}
    original = client.get_object(Bucket=bucket, Key=submission.original.name)
    assert original["ContentType"] == "image/jpeg"
    assert not gps_in(original["Body"].read())
    # Private: no anonymous read.
    endpoint = client.meta.endpoint_url
    assert requests.get(f"{endpoint}/{bucket}/{submission.original.name}", timeout=10).status_code == 403


def test_the_file_view_redirects_who_may_see_it_to_a_short_lived_signed_url(
    s3_storage, client, contributor, make_user, submit
):
    submission = submit(contributor, SimpleUploadedFile("lemang.jpg", jpeg()))
    client.force_login(contributor)

    response = client.get(f"/images/{submission.key}/display/")

    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature" in url and "X-Amz-Expires=300" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "image/webp"
    original = requests.get(client.get(f"/images/{submission.key}/original/")["Location"], timeout=10)
    assert original.headers["Content-Type"] == "image/jpeg"
    assert 'filename="lemang.jpg"' in original.headers["Content-Disposition"]
    client.force_login(make_user())
    assert client.get(f"/images/{submission.key}/display/").status_code == 404


def test_the_browser_posts_straight_to_the_bucket_and_the_policy_enforces_the_size(
    s3_storage, client, contributor, settings, django_capture_on_commit_callbacks
):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    assert ticket["url"].startswith(s3_storage[0].meta.endpoint_url)

    response = requests.post(
        ticket["url"],
        data={**ticket["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("a.jpg", jpeg(), "image/jpeg")},
        timeout=30,
    )
    assert response.status_code in (200, 201, 204), response.text
    with django_capture_on_commit_callbacks(execute=True):
        final = client.post(
            "/images/uploads/finalize/",
            {
                "ticket": ticket["ticket"],
                "description": "Lemang",
                "native_description": "Lemang",
                "countries": ["ID"],
                "license_confirmed": "on",
            },
        )
    assert final.status_code == 201, final.content
    assert ImageSubmission.objects.get().status == ImageSubmission.Status.IN_REVIEW

    settings.IMAGE_MAX_UPLOAD_BYTES = 10_000
    small_ticket = client.post("/images/uploads/ticket/").json()
    # The policy S3 enforces: this key only, at most the limit.
    policy = json.loads(base64.b64decode(small_ticket["fields"]["policy"]))
    assert ["content-length-range", 1, 10_000] in policy["conditions"]
    assert {"key": small_ticket["fields"]["key"]} in policy["conditions"]
    # (moto does not enforce POST policies; the finalize step measures the object again.)
    requests.post(
        small_ticket["url"],
        data={**small_ticket["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("b.jpg", jpeg("coffee"), "image/jpeg")},
        timeout=30,
    )
    too_big = client.post(
        "/images/uploads/finalize/",
        {
            "ticket": small_ticket["ticket"],
            "description": "x",
            "native_description": "x",
            "countries": ["ID"],
            "license_confirmed": "on",
        },
    )
    assert too_big.status_code == 413
    assert not default_storage.exists(small_ticket["fields"]["key"])


def test_orphan_sweep_on_s3_deletes_only_old_files_without_a_row(s3_storage, contributor, submit):
    from django.core.files.base import ContentFile

    client, bucket = s3_storage
    kept = submit(contributor, jpeg())
    orphan = default_storage.save("images/original/0b7c6f1e-1111-4222-8333-944455556666", ContentFile(b"x"))

    assert sweeps.stored_images_sweep_orphans(older_than_minutes=60) == 0
    assert sweeps.stored_images_sweep_orphans(older_than_minutes=0) == 1

    keys = {entry["Key"] for entry in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert orphan not in keys and kept.original.name in keys
