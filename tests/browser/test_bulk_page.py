"""A contributor uploads a ZIP with its CSV on a phone-sized page and watches the import finish."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "contributions"))
from bulk_fixtures import sample_zip  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }


def test_progress_bar_follows_the_import_and_the_page_shows_every_row(
    live_server, page, make_user, browser_login, tmp_path, monkeypatch
):
    from contributions import bulk_tasks
    from contributions.bulk_services import bulk_import_process
    from contributions.models import BulkImport

    # The task stays queued (as with a busy worker) until the test runs it, so the page has to poll.
    monkeypatch.setattr(bulk_tasks.process_bulk_import, "delay", lambda *args, **kwargs: None)
    user = make_user("bulk-phone@example.org")
    archive = tmp_path / "photos.zip"
    archive.write_bytes(sample_zip(with_csv=True))
    browser_login(page, user)

    page.goto(f"{live_server.url}/images/bulk/")
    page.set_input_files("#id_archive", str(archive))
    page.check("#id_license_confirmed")
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/images/bulk/*/")
    assert page.locator("#bulk-progress-bar").get_attribute("value") == "0"
    assert page.locator("[data-field=status_label]").inner_text() == "Waiting to start"

    bulk_import_process(import_id=BulkImport.objects.get().pk)

    page.wait_for_selector("text=submission #", timeout=20_000)  # the script saw it finish and reloaded
    assert page.locator("#bulk-progress-bar").get_attribute("value") == "100"
    assert page.locator(".badge-accepted").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
