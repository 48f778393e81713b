"""What load balancers, log collectors and browsers get: health probes, request ids in responses and
logs, compressed pages with a sensible Cache-Control."""

import gzip
import io
import json
import logging
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from seavl_portal import health
from seavl_portal.logs import JsonFormatter, RequestIdFilter
from seavl_portal.middleware import RequestIdMiddleware, TextGZipMiddleware
from tests.deploy.conftest import closed_port


@pytest.fixture(autouse=True)
def _close_the_probes_connection():
    """/readyz keeps a connection in its own thread; the test database is dropped at the end."""
    yield
    health.close_probe_connection()


def test_healthz_answers_without_io_whatever_the_host(client, settings):
    """No database mark: pytest-django refuses any query, so the probe provably makes none."""
    settings.SECURE_SSL_REDIRECT = True  # a probe speaks plain HTTP to the container's own address
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_bucket_in_under_a_second(client, s3_storage, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")  # the suite's real Redis
    client.get("/readyz")  # the first probe after a start builds the bucket's client (once a process)
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "bucket": "ok"}}
    assert elapsed < 1


@pytest.mark.django_db
def test_readyz_names_the_service_that_is_down(client, s3_storage, settings):
    client.get("/readyz")  # builds the bucket's client, once a process
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["bucket"] == "ok"
    assert checks["broker"].startswith("error")
    assert time.monotonic() - started < 1


@pytest.mark.django_db
def test_readyz_reports_a_bucket_that_does_not_answer(client, s3_storage, settings, hanging_server):
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "endpoint_url": f"http://127.0.0.1:{hanging_server.port}"},
        },
    }
    started = time.monotonic()
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["bucket"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"
    assert time.monotonic() - started < 1


def test_readyz_skips_what_the_deployment_does_not_use(client, settings, db):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")  # the suite's default storage is local disk
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "skipped", "bucket": "skipped"}


def test_every_response_carries_a_request_id_kept_from_the_proxy_or_made(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz")["X-Request-ID"] != made
    assert client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")["X-Request-ID"] == (
        "nginx-0123456789abcdef"
    )
    # Something that is not an id (header injection, huge values) is replaced.
    assert client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)["X-Request-ID"] != "x" * 500
    assert client.get("/no-such-page/")["X-Request-ID"]  # errors too


def test_log_lines_written_during_a_request_carry_its_id_as_json():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("seavl_portal.tests.request_id")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def view(request):
        logger.info("checking %s", "an image", extra={"submission_id": 7})
        return HttpResponse("ok")

    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0123456789"))
        logger.info("outside any request")
    finally:
        logger.removeHandler(handler)

    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert response["X-Request-ID"] == "req-0123456789"
    assert inside["request_id"] == "req-0123456789" and inside["message"] == "checking an image"
    assert inside["level"] == "INFO" and inside["submission_id"] == 7 and inside["time"]
    assert outside["request_id"] == "-"


@pytest.mark.django_db
def test_pages_are_compressed_and_revalidated(client):
    response = client.get("/faq/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert "FAQ" in gzip.decompress(response.content).decode()
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}
    plain = client.get("/faq/")
    assert "Content-Encoding" not in plain  # a client that asks for nothing gets plain HTML


def test_photos_and_archives_are_not_gzipped_again():
    middleware = TextGZipMiddleware(lambda request: None)
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip")
    photo = middleware.process_response(
        request, HttpResponse(b"\xff\xd8" + b"x" * 5000, content_type="image/jpeg")
    )
    assert "Content-Encoding" not in photo
    page = middleware.process_response(request, HttpResponse("<p>" + "x" * 5000, content_type="text/html"))
    assert page["Content-Encoding"] == "gzip"
