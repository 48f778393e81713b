"""The two commands' moving parts: demo data, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Profile

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_data_loads_twice_without_creating_anything_twice(capsys):
    call_command("load_demo_data")
    users, profiles = get_user_model().objects.count(), Profile.objects.count()
    call_command("load_demo_data")

    output = capsys.readouterr().out
    assert get_user_model().objects.count() == users >= 4  # the four demo logins, plus what other apps seed
    assert Profile.objects.count() == profiles
    assert "contributor@seavl.local" in output and "password:" in output
    assert all(profile.is_complete for profile in Profile.objects.all())


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            (
                "DJANGO_ALLOW_ASYNC",
                "DATABASE",
                "REDIS",
                "AWS_",
                "TEST_",
                "DEBUG",
                "ACCOUNT_",
                "CELERY",
                "MEDIA",
            )
        )
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="portal.example.org",
        CSRF_TRUSTED_ORIGINS="https://portal.example.org",
        DATABASE_URL="postgres://seavl:secret@db.example.org:5432/seavl",
        REDIS_URL="redis://cache.example.org:6379/0",
        AWS_STORAGE_BUCKET_NAME="seavl-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        SEAVL_TESTING="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CHECKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stderr + result.stdout, result.stderr + result.stdout
    settings_seen = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert settings_seen["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    assert int(settings_seen["CONN_MAX_AGE"]) > 0
    assert settings_seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings_seen["CELERY_TASK_ALWAYS_EAGER"] == "False"
    assert settings_seen["STORAGE"] == "storages.backends.s3.S3Storage"


PRINT_CHECKS = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from django.conf import settings
from django.core.management import call_command
print("ACCOUNT_EMAIL_VERIFICATION=" + settings.ACCOUNT_EMAIL_VERIFICATION)
print("CONN_MAX_AGE=" + str(settings.DATABASES["default"]["CONN_MAX_AGE"]))
print("EMAIL_BACKEND=" + settings.EMAIL_BACKEND)
print("CELERY_TASK_ALWAYS_EAGER=" + str(settings.CELERY_TASK_ALWAYS_EAGER))
print("STORAGE=" + settings.STORAGES["default"]["BACKEND"])
call_command("check", "--deploy", "--fail-level", "WARNING")
"""
