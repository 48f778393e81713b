"""When the database or the storage is unreachable, or the code fails, people and scripts get an answer
they can act on: 503 with Retry-After (JSON under /api/, a friendly page in their language elsewhere),
a JSON 500 under /api/, never Django's bare "Server Error (500)". And nothing is half-written."""

import json
import time

import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from contributions.models import ImageSubmission
from tests.deploy.conftest import closed_port, production_env, run_python, small_jpeg
from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, s3_client

API_UPLOAD = "/api/v1/images"


def upload_fields(**overrides) -> dict:
    fields = {
        "description": "Rice terraces in the morning mist",
        "native_description": "Sawah terasering di kabut pagi",
        "native_language": "Indonesian (ind)",
        "countries": "ID",
        "location": "Bali, Indonesia",
        "license_confirmed": "true",
        "image": SimpleUploadedFile("terraces.jpg", small_jpeg(), content_type="image/jpeg"),
    }
    fields.update(overrides)
    return fields


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def point_storage_at(settings, endpoint: str, *, connect: float = 1, read: float = 1, attempts: int = 2):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "seavl-unreachable",
                "endpoint_url": endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": REGION,
                "default_acl": "private",
                "file_overwrite": False,
                "client_config": Config(
                    s3={"addressing_style": "path"},
                    signature_version="s3v4",
                    connect_timeout=connect,
                    read_timeout=read,
                    retries={"max_attempts": attempts, "mode": "standard"},
                ),
            },
        },
    }


def assert_json_503(response):
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in json.loads(response.content)["detail"]


def assert_page_503(response, *, text: str = "Back in a moment"):
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    assert text in response.content.decode()


# --- The database --------------------------------------------------------------------------------------


class DatabaseSwitch:
    """Breaks this thread's connection to PostgreSQL (its port becomes a closed one), and mends it."""

    def __init__(self):
        self.original = (connection.settings_dict["HOST"], connection.settings_dict["PORT"])

    def down(self):
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", closed_port()

    def up(self):
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = self.original


@pytest.fixture
def database():
    switch = DatabaseSwitch()
    yield switch
    switch.up()


@pytest.mark.django_db(transaction=True)
def test_database_down_pages_and_api_answer_503_then_recover(client, api_token, database):
    user, secret = api_token
    client.force_login(user)
    assert client.get("/images/").status_code == 200

    database.down()
    page = client.get("/images/")
    assert_page_503(page)
    assert "/static/" in page.content.decode()  # styled like the portal, without a database
    thai = client.get("/images/", HTTP_ACCEPT_LANGUAGE="th")
    assert_page_503(thai, text="กลับมาในอีกสักครู่")  # in the reader's language
    assert_json_503(client.get("/api/v1/images", **bearer(secret)))
    assert_json_503(client.post(API_UPLOAD, upload_fields(), **bearer(secret)))

    database.up()
    # The connection is re-established: the next request works, and nothing was written meanwhile.
    assert client.get("/images/").status_code == 200
    assert client.get("/api/v1/images", **bearer(secret)).json()["count"] == 0
    assert ImageSubmission.objects.count() == 0


def test_a_failure_outside_the_views_gets_the_same_answer(rf):
    """Django's handler500 (middleware, session saving...): 503 for an unreachable service, JSON under
    /api/, Django's own page otherwise."""
    from django.db import OperationalError

    from seavl_portal.failures import server_error

    def answer(path, error):
        try:
            raise error
        except Exception:
            return server_error(rf.get(path))

    assert_page_503(answer("/images/", OperationalError("connection refused")))
    assert_json_503(answer("/api/v1/images", OperationalError("connection refused")))
    api_bug = answer("/api/v1/images", RuntimeError("a bug"))
    assert api_bug.status_code == 500 and api_bug["Content-Type"] == "application/json"
    page_bug = answer("/images/", RuntimeError("a bug"))
    assert page_bug.status_code == 500 and page_bug["Content-Type"].startswith("text/html")


# --- The storage ---------------------------------------------------------------------------------------


@pytest.fixture
def stopped_s3(settings):
    """A real S3 endpoint (moto's server) that had a bucket, then stopped: its port now refuses."""
    from moto.server import ThreadedMotoServer

    port = closed_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint).create_bucket(Bucket="seavl-unreachable")
    server.stop()
    point_storage_at(settings, endpoint)
    return endpoint


@pytest.mark.django_db
def test_storage_refused_an_upload_answers_503_and_writes_no_row(client, api_token, stopped_s3):
    user, secret = api_token
    client.force_login(user)

    api = client.post(API_UPLOAD, upload_fields(), **bearer(secret))
    assert_json_503(api)
    page = Client(raise_request_exception=False)
    page.force_login(user)
    form = page.post("/images/new/", {**upload_fields(), "license_confirmed": "on"})
    assert_page_503(form)

    assert ImageSubmission.objects.count() == 0  # the file and the row go together, or neither
    assert client.get("/faq/").status_code == 200  # pages that need no storage still answer


@pytest.mark.django_db
def test_storage_hanging_answers_503_within_the_bounded_timeout(client, api_token, settings, hanging_server):
    _user, secret = api_token
    point_storage_at(settings, f"http://127.0.0.1:{hanging_server.port}", connect=1, read=1, attempts=2)

    started = time.monotonic()
    response = client.post(API_UPLOAD, upload_fields(), **bearer(secret))
    elapsed = time.monotonic() - started

    assert_json_503(response)
    assert elapsed < 10  # attempts x (connect + read) and backoff, not botocore's 60 s x retries
    assert ImageSubmission.objects.count() == 0
    assert client.get("/faq/").status_code == 200


# --- The code ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_in_an_api_endpoint_is_a_json_500(
    client, api_token, settings, monkeypatch, debug
):
    settings.DEBUG = debug
    _user, secret = api_token

    def broken(**kwargs):
        raise RuntimeError("a bug in a selector")

    monkeypatch.setattr("contributions.selectors.image_submissions_of", broken)
    response = Client(raise_request_exception=False).get("/api/v1/images", **bearer(secret))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Something went wrong on our side")
    assert "RuntimeError" not in response.content.decode()  # no traceback leaks to the script


# --- The broker ----------------------------------------------------------------------------------------

PUBLISH = """
import os, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from seavl_portal.celery import app
from seavl_portal.failures import is_unavailable
started = time.monotonic()
try:
    app.send_task("contributions.check_image_submission", args=[1])
    print("SENT")
except Exception as error:
    print(f"RAISED unavailable={is_unavailable(error)} seconds={time.monotonic() - started:.1f}")
"""


def test_publishing_to_a_hanging_broker_gives_up_within_seconds(hanging_server):
    """A Redis that accepts connections and never answers: publishing raises after the socket timeout
    and a couple of quick retries (about 6 s), far under gunicorn's 60 s, and as "unavailable" (a 503)."""
    env = production_env(
        REDIS_URL=f"redis://127.0.0.1:{hanging_server.port}/0", SITE_URL="https://portal.example.org"
    )
    result = run_python(PUBLISH, env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("RAISED unavailable=True"), line
    assert float(line.split("seconds=")[1]) < 15
