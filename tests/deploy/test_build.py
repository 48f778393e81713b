"""The Docker build's steps, without Docker: `collectstatic` with the production settings (DEBUG=0),
then pages rendered with DEBUG=0 against the manifest it wrote.

The image once ran collectstatic with DEBUG=1: no manifest, and with DEBUG=0 every template failed
("Missing staticfiles manifest entry for 'favicon.svg'"), a 500 on every page."""

import json
import re

import pytest
from django.db import connection

from tests.deploy.conftest import ROOT, database_url_of, production_env, run_python

# The Dockerfile's collectstatic, word for word, in a fresh process with the production environment.
# Only gzip/brotli copies are skipped (by whitenoise's documented setting) to keep the suite fast; the
# compressed copies are tested in tests/localization/test_static_files.py.
COLLECT = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
assert settings.DEBUG is False
print("STORAGE=" + settings.STORAGES["staticfiles"]["BACKEND"])
extensions = {os.path.splitext(path)[1].lstrip(".") for f in get_finders() for path, _ in f.list([])}
settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = sorted(extensions)
call_command("collectstatic", interactive=False, verbosity=0)
"""

# Pages rendered by a production process (DEBUG=0, manifest storage, no finders) on the run's test
# database; a signed-in user is made inside a transaction that is rolled back.
RENDER = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "seavl_portal.settings"
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
assert settings.DEBUG is False and settings.WHITENOISE_USE_FINDERS is False
results = {}
with transaction.atomic():
    anonymous = Client(raise_request_exception=False)
    for path in %(anonymous)r:
        response = anonymous.get(path, HTTP_HOST="portal.example.org")
        results[path] = [response.status_code, response.content.decode("utf-8", "replace")]
    user = get_user_model().objects.create_superuser("built", "built@example.org", "a-long-passphrase-42")
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(user)
    for path in %(signed_in)r:
        response = signed_in.get(path, HTTP_HOST="portal.example.org")
        results["user:" + path] = [response.status_code, response.content.decode("utf-8", "replace")]
    transaction.set_rollback(True)
print("RESULTS=" + json.dumps(results))
"""
ANONYMOUS_PAGES = ["/", "/faq/", "/accounts/login/", "/accounts/signup/", "/leaderboard/", "/api/v1/docs"]
SIGNED_IN_PAGES = ["/profile/", "/images/", "/points/", "/text-tasks/", "/admin/"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("production-static")
    result = run_python(COLLECT, production_env(STATIC_ROOT=str(root)), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage" in result.stdout
    return root


def test_collectstatic_with_production_settings_writes_the_manifest(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in ("favicon.svg", "css/portal.css", "js/language-switcher.js", "admin/css/base.css"):
        assert re.fullmatch(rf"{re.escape(name.rsplit('.', 1)[0])}\.[0-9a-f]{{12}}\.\w+", manifest[name]), (
            name
        )
        assert (collected / manifest[name]).is_file()


@pytest.mark.django_db
def test_pages_render_with_debug_off_against_the_collected_manifest(collected):
    env = production_env(
        STATIC_ROOT=str(collected),
        DATABASE_URL=database_url_of(connection.settings_dict),
        SITE_URL="http://portal.example.org",
    )
    code = RENDER % {"anonymous": ANONYMOUS_PAGES, "signed_in": SIGNED_IN_PAGES}
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(result.stdout.split("RESULTS=", 1)[1])
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]

    assert set(results) == set(ANONYMOUS_PAGES) | {f"user:{path}" for path in SIGNED_IN_PAGES}
    for path, (status, html) in results.items():
        assert status == 200, (path, status, result.stderr[-2000:])
        assert "Missing staticfiles manifest entry" not in html, path
    # The pages link the hashed names (cached for a year), not the bare ones.
    for path in ANONYMOUS_PAGES[:-1] + [f"user:{path}" for path in SIGNED_IN_PAGES[:-1]]:
        assert "/static/" + manifest["css/portal.css"] in results[path][1], path
    assert "/static/" + manifest["admin/css/base.css"] in results["user:/admin/"][1]


def test_the_dockerfile_collects_with_debug_off_and_never_migrates():
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect_step = next(line for line in dockerfile.split("\nRUN ") if "collectstatic" in line)
    assert "DEBUG=0" in collect_step and "DEBUG=1 python manage.py collectstatic" not in collect_step
    assert "STATIC_ROOT=/app/staticfiles" in collect_step
    assert "migrate" not in "".join(
        line for line in dockerfile.splitlines() if line.startswith(("CMD", "ENTRYPOINT"))
    )
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    # The proxy image serves the same collected files.
    assert "COPY --from=app /app/staticfiles /srv/static" in dockerfile


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".git", ".venv", ".env", "staticfiles", "media", "db.sqlite3*", "**/__pycache__"):
        assert entry in ignored, entry
    assert "!.env.example" in ignored
