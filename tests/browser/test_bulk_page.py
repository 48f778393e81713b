"""A contributor uploads a ZIP with its CSV on a phone-sized page and watches the import finish."""

import pytest

from tests.contributions.bulk_fixtures import sample_zip

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
    from contributions.bulk import tasks as bulk_tasks
    from contributions.bulk.processing import bulk_import_process
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


@pytest.fixture
def _bucket_in_csp(settings, s3_policy_storage):
    """What production sets with CSP_EXTRA_CONNECT_SOURCES: the page may post to the bucket."""
    endpoint = s3_policy_storage[0].meta.endpoint_url
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "connect-src": [*directives["connect-src"], endpoint]},
    }


@pytest.mark.usefixtures("_bucket_in_csp")
def test_on_s3_the_zip_goes_straight_to_the_bucket_with_a_progress_bar(
    live_server, page, make_user, browser_login, tmp_path, monkeypatch, s3_policy_storage
):
    from contributions.bulk import tasks as bulk_tasks
    from contributions.bulk.processing import bulk_import_process
    from contributions.models import BulkImport

    s3, bucket = s3_policy_storage
    monkeypatch.setattr(bulk_tasks.process_bulk_import, "delay", lambda *args, **kwargs: None)
    user = make_user("bulk-s3@example.org")
    archive = tmp_path / "market photos.zip"
    archive.write_bytes(sample_zip(with_csv=True))
    browser_login(page, user)
    posts, progress = [], []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.expose_function("seenProgress", lambda value, text: progress.append((value, text)))
    page.add_init_script(
        """document.addEventListener("DOMContentLoaded", function () {
          var bar = document.getElementById("bulk-upload-bar");
          if (!bar) { return; }
          new MutationObserver(function () {
            window.seenProgress(bar.value, document.getElementById("bulk-upload-status").textContent);
          }).observe(bar, { attributes: true });
        });"""
    )

    page.goto(f"{live_server.url}/images/bulk/")
    page.set_input_files("#id_archive", str(archive))
    page.check("#id_license_confirmed")
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/images/bulk/*/")

    # The ZIP went to the bucket (its POST policy checked there), with the bar showing it; the portal
    # got a presign request and then the form with the ZIP's key, not its bytes.
    assert [url.removeprefix(live_server.url) for url in posts] == [
        "/images/bulk/presign/",
        f"{s3.meta.endpoint_url}/{bucket}",
        "/images/bulk/",
    ]
    assert progress[0] == (0, "Uploading the ZIP… 0%")
    assert progress[-1] == (100, "Uploaded. Reading the ZIP and the CSV…")
    bulk_import = BulkImport.objects.get()
    assert bulk_import.archive.name.startswith(f"bulk/pending/{user.pk}/")
    assert bulk_import.archive_name == "market photos.zip"
    assert bulk_import.archive_size == archive.stat().st_size

    bulk_import_process(import_id=bulk_import.pk)

    page.wait_for_selector("text=submission #", timeout=20_000)
    assert page.locator(".badge-accepted").count() == 4
    assert s3.list_objects_v2(Bucket=bucket, Prefix="bulk/").get("KeyCount") == 0


@pytest.mark.usefixtures("_bucket_in_csp")
def test_on_s3_a_zip_over_the_limit_is_refused_before_it_is_sent(
    live_server, page, make_user, browser_login, tmp_path, settings, s3_policy_storage
):
    from contributions.models import BulkImport

    s3, bucket = s3_policy_storage
    settings.BULK_MAX_ARCHIVE_BYTES = 1000
    archive = tmp_path / "photos.zip"
    archive.write_bytes(sample_zip(with_csv=True))
    browser_login(page, make_user("bulk-big@example.org"))

    page.goto(f"{live_server.url}/images/bulk/")
    page.set_input_files("#id_archive", str(archive))
    page.check("#id_license_confirmed")
    page.get_by_role("button", name="Upload and import").click()

    page.wait_for_selector('#bulk-upload-progress[data-state="failed"]')
    assert page.locator("#bulk-upload-status").inner_text() == (
        "The archive is larger than 0 MB. Split it into smaller ZIPs."
    )
    assert page.get_by_role("button", name="Upload and import").is_enabled()
    assert not BulkImport.objects.exists() and s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
