"""A catalog uploaded on one node shows on every other without a restart: the upload is stored in the
database with a version, and each process applies a newer one at its next request."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from localization.models import UploadedCatalog
from localization.selectors import catalog_path
from localization.services import catalogs_sync, translations_reload

ROOT = Path(__file__).resolve().parents[2]
CORRECTED = "Bá kontéudu prinsipál"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Language": "tet"})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own loopback server
        return response.read().decode()


@pytest.fixture
def node_a(tmp_path):
    """This process: its own local catalog directory, first in LOCALE_PATHS, as on a web node."""
    root = tmp_path / "node-a"
    with override_settings(TRANSLATION_UPLOAD_ROOT=root, LOCALE_PATHS=[root, *settings.LOCALE_PATHS]):
        translations_reload()
        yield root
    translations_reload()


@pytest.fixture
def node_b(tmp_path, transactional_db):
    """A second Django process (runserver on a free port) on the same database, with its own directory."""
    root = tmp_path / "node-b"
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TRANSLATION_UPLOAD_ROOT": str(root),
        "CATALOG_SYNC_SECONDS": "0",  # check at every request (the default is every 5 s)
        "DEBUG": "1",
    }
    env.pop("TEST_DATABASE_NAME", None)
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:  # until it answers (startup takes a few seconds)
        try:
            page(url + "/")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the second process did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield url, root
    server.terminate()
    server.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_a_catalog_uploaded_on_one_node_shows_on_another_without_a_restart(
    client, organizer, node_a, node_b
):
    other, other_root = node_b
    assert CORRECTED not in page(other + "/")

    client.force_login(organizer)
    exported = client.get(reverse("localization:catalog-download", args=["tet"]))
    po = polib.pofile(b"".join(exported.streaming_content).decode())
    po.find("Skip to content").msgstr = CORRECTED
    response = client.post(
        reverse("localization:catalog-upload", args=["tet"]),
        {"catalog": SimpleUploadedFile("tet.po", str(po).encode())},
    )
    assert response.status_code == 302
    assert UploadedCatalog.objects.get(language="tet").version == 1
    assert CORRECTED in client.get("/", HTTP_ACCEPT_LANGUAGE="tet").content.decode()  # this node at once

    assert CORRECTED in page(other + "/")  # the other node at its next request, no restart
    assert (catalog_path(language="tet", root=other_root).with_suffix(".mo")).exists()


@pytest.mark.django_db
def test_a_second_upload_merges_into_the_first_and_a_node_applies_each_version_once(client, organizer, node_a):
    client.force_login(organizer)
    for number, text in enumerate(["Bá kontéudu 1", "Bá kontéudu 2"], start=1):
        exported = client.get(reverse("localization:catalog-download", args=["tet"]))
        po = polib.pofile(b"".join(exported.streaming_content).decode())
        assert po.find("Skip to content").msgstr == ("Bá kontéudu" if number == 1 else "Bá kontéudu 1")
        po.find("Skip to content").msgstr = text
        client.post(
            reverse("localization:catalog-upload", args=["tet"]),
            {"catalog": SimpleUploadedFile("tet.po", str(po).encode())},
        )
        assert UploadedCatalog.objects.get(language="tet").version == number
    assert catalogs_sync() == []  # this process has the newest already
