"""Production settings as a deployment gets them (a fresh process, DEBUG=0): SITE_URL's scheme, bounded
timeouts on every backing service, the embedded SQLite under concurrency, optional error reporting."""

import json

import pytest
from django.db import connection

from tests.deploy.conftest import database_url_of, production_env, run_python

PRINT_SETTINGS = """
import json, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from django.conf import settings
config = settings.STORAGES["default"]["OPTIONS"].get("client_config")
print("SETTINGS=" + json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "language_secure": settings.LANGUAGE_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "protocol": settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
    "trusted": settings.CSRF_TRUSTED_ORIGINS,
    "health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "s3": config and [config.connect_timeout, config.read_timeout, config.retries, config.signature_version,
                      config.s3],
    "broker": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "broker_connection_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    "publish_retry": settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    "cache_options": settings.CACHES["default"].get("OPTIONS", {}),
    "log_formatter": settings.LOGGING["handlers"]["console"]["formatter"],
    "sentry_loaded": "sentry_sdk" in sys.modules,
    "sentry_active": "sentry_sdk" in sys.modules and sys.modules["sentry_sdk"].get_client().is_active(),
}))
"""

S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "seavl-media",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "DATABASE_URL": "postgres://seavl:secret@db.example.org:5432/seavl",
}


def settings_of(**env: str) -> dict:
    result = run_python(PRINT_SETTINGS, production_env(**env))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.split("SETTINGS=", 1)[1])


def test_an_https_site_gets_every_https_protection():
    seen = settings_of(SITE_URL="https://portal.example.org", **S3_ENV)
    assert seen["session_secure"] and seen["csrf_secure"] and seen["language_secure"]
    assert seen["ssl_redirect"] and seen["hsts"] >= 31536000
    assert seen["protocol"] == "https"
    assert "https://portal.example.org" in seen["trusted"]


def test_without_site_url_production_defaults_to_https_on_the_first_allowed_host():
    seen = settings_of(**S3_ENV)
    assert seen["protocol"] == "https" and seen["session_secure"] and seen["ssl_redirect"]
    assert seen["trusted"][0] == "https://portal.example.org"


def test_a_plain_http_site_keeps_cookies_usable_and_links_in_http():
    seen = settings_of(SITE_URL="http://portal.lan:8000", ALLOWED_HOSTS="portal.lan")
    assert not (seen["session_secure"] or seen["csrf_secure"] or seen["language_secure"])
    assert not seen["ssl_redirect"] and seen["hsts"] == 0
    assert seen["protocol"] == "http"
    assert "http://portal.lan:8000" in seen["trusted"]


def test_check_deploy_is_clean_with_an_https_site_url():
    code = (
        PRINT_SETTINGS
        + '\nfrom django.core.management import call_command\ncall_command("check", "--deploy", "--fail-level", "WARNING")\n'
    )
    env = production_env(SITE_URL="https://portal.example.org", **S3_ENV)
    env["EMAIL_URL"] = "smtp+tls://mailer:secret@smtp.example.org:587"
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stderr + result.stdout


def test_every_backing_service_call_is_bounded():
    seen = settings_of(SITE_URL="https://portal.example.org", **S3_ENV)
    connect, read, retries, signature, s3 = seen["s3"]
    assert (connect, read) == (3, 10) and retries == {"max_attempts": 2, "mode": "standard"}
    assert retries["max_attempts"] * (connect + read) < 60 / 2  # gunicorn's timeout (gunicorn.conf.py)
    assert signature == "s3v4" and s3 == {"addressing_style": "path"}  # what django-storages would set
    assert seen["health_checks"] is True
    assert seen["db_options"]["connect_timeout"] == 3
    broker = seen["broker"]
    assert broker["socket_connect_timeout"] <= 2 and broker["socket_timeout"] <= 5
    assert 180 < broker["visibility_timeout"] <= 600  # above the image check's hard limit, far below 1 h
    assert seen["broker_connection_timeout"] <= 2 and seen["publish_retry"]["max_retries"] <= 2
    assert seen["cache_options"] == {"socket_connect_timeout": 1, "socket_timeout": 2}
    assert seen["log_formatter"] == "json"


def test_the_embedded_sqlite_waits_for_the_lock_in_wal_mode(tmp_path):
    code = PRINT_SETTINGS + (
        "\nfrom django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    print('JOURNAL=' + cursor.fetchone()[0])\n"
    )
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr[-3000:]
    options = json.loads(result.stdout.split("SETTINGS=", 1)[1].splitlines()[0])["db_options"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    assert "JOURNAL=wal" in result.stdout


def test_error_reporting_is_off_unless_sentry_dsn_is_set():
    off = settings_of(SITE_URL="https://portal.example.org")
    assert off["sentry_loaded"] is False
    on = settings_of(SITE_URL="https://portal.example.org", SENTRY_DSN="https://public@sentry.example.org/1")
    assert on["sentry_active"] is True


SIGN_UP_OVER_HTTP = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from django.core import mail
from django.db import transaction
from django.test import Client
results = {}
with transaction.atomic():
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="portal.lan:8000")
    page = browser.get("/accounts/signup/")
    results["page"] = page.status_code
    results["csrf_cookie"] = page.cookies["csrftoken"].output()
    token = page.cookies["csrftoken"].value
    response = browser.post(
        "/accounts/signup/",
        {"email": "plain@example.org", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42",
         "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://portal.lan:8000",
    )
    results["signup"] = response.status_code
    results["emails"] = [message.body for message in mail.outbox]
    transaction.set_rollback(True)
print("RESULTS=" + json.dumps(results))
"""


@pytest.mark.django_db
def test_a_plain_http_deployment_signs_up_and_mails_an_http_verification_link():
    env = production_env(
        SITE_URL="http://portal.lan:8000",
        ALLOWED_HOSTS="portal.lan",
        DATABASE_URL=database_url_of(connection.settings_dict),
        STATIC_MANIFEST="0",  # static files are test_build.py's subject; this one is about cookies and links
    )
    result = run_python(SIGN_UP_OVER_HTTP, env)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.split("RESULTS=", 1)[1])

    assert seen["page"] == 200
    assert "secure" not in seen["csrf_cookie"].lower()  # a browser sends it back over http
    assert seen["signup"] == 302  # not a CSRF 403
    (body,) = seen["emails"]
    assert "http://portal.lan:8000/accounts/confirm-email/" in body
    assert "https://" not in body
