"""Static files in production: hashed names, compressed (gzip and brotli), cached for a year by browsers."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.localization.page_text import _back_to_the_default_language  # noqa: F401 - autouse

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_settings_choose_hashed_compressed_files_cached_for_a_year():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50, "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("SEAVL_TESTING", None)
    code = (
        "from seavl_portal import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_MAX_AGE, s.WHITENOISE_USE_FINDERS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [MANIFEST_STORAGE, str(365 * 24 * 3600), "False"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    # The portal's own files only: the admin's and the API docs' are many and brotli is slow on them.
    own_files_only = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    with override_settings(
        STATIC_ROOT=root,
        STORAGES=storages,
        STATICFILES_FINDERS=own_files_only,
        DEBUG=False,
        WHITENOISE_USE_FINDERS=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def _serve(path: str, **headers):
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    return middleware(RequestFactory().get(path, **headers))


def test_collectstatic_writes_hashed_gzip_and_brotli_files(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())
    for name in ("css/portal.css", "js/language-switcher.js"):
        hashed = manifest["paths"][name]
        assert hashed != name
        for suffix in ("", ".gz", ".br"):
            assert (collected / f"{hashed}{suffix}").exists(), f"{hashed}{suffix}"


def test_whitenoise_serves_a_hashed_file_compressed_and_immutable_for_a_year(collected):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    hashed = json.loads((collected / "staticfiles.json").read_text())["paths"]["css/portal.css"]
    with override_settings(
        STATIC_ROOT=collected, STORAGES=storages, DEBUG=False, WHITENOISE_USE_FINDERS=False
    ):
        response = _serve(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        cache = response["Cache-Control"]
        assert "immutable" in cache and int(cache.split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
        raw = (collected / hashed).stat().st_size
        assert int(response["Content-Length"]) < raw / 2

        gzip_only = _serve(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")
        assert gzip_only["Content-Encoding"] == "gzip"


@pytest.mark.django_db
def test_pages_link_the_hashed_files(client, collected):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    with override_settings(STATIC_ROOT=collected, STORAGES=storages):
        html = client.get("/").content.decode()
    assert f'href="/static/{manifest["css/portal.css"]}"' in html
    assert f'src="/static/{manifest["js/language-switcher.js"]}"' in html
