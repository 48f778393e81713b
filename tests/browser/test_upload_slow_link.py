"""The upload page on a slow phone link (Chrome DevTools' network throttling): Remove cancels a transfer
and creates nothing, leaving mid-transfer asks first, a lost connection pauses the photo until the link
is back, and nothing is sent before the required fields are filled and the photo is large enough."""

import pytest
import site_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = {"offline": False, "latency": 300, "downloadThroughput": 64 * 1024, "uploadThroughput": 16 * 1024}


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }


@pytest.fixture
def upload_page(live_server, page, make_user, browser_login):
    """The upload page of a signed-in contributor, and a function that throttles its link."""
    user = make_user("slow@example.org")
    browser_login(page, user)
    page.goto(f"{live_server.url}/images/new/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def throttle(**conditions):
        cdp.send("Network.emulateNetworkConditions", {**SLOW, **conditions})

    return page, throttle


def _photo(tmp_path, name: str, photo: str = "astronaut"):
    path = tmp_path / name
    path.write_bytes(site_data.jpeg(photo))
    return str(path)


def _describe_and_confirm(page, count: int):
    for n in range(count):
        item = page.locator(".upload-item").nth(n)
        item.get_by_label("In English, what is this image about?").fill("Grilling lemang at a market")
        item.get_by_label("The same in your native language").fill("Membakar lemang di pasar")
    page.get_by_label("Indonesia").check()
    page.get_by_label("I took this photo").check()


def test_remove_during_the_transfer_cancels_it_and_creates_nothing(upload_page, tmp_path):
    from contributions.models import ImageSubmission

    page, throttle = upload_page
    page.set_input_files(
        "input[name=image]", [_photo(tmp_path, "market.jpg"), _photo(tmp_path, "coffee.jpg", "coffee")]
    )
    assert page.locator("#upload-chosen").inner_text() == "2 photos chosen"
    _describe_and_confirm(page, 2)
    throttle()
    page.get_by_role("button", name="Submit").click()

    first = page.locator(".upload-item").nth(0)
    bar = page.get_by_role("progressbar", name="Upload of market.jpg")
    page.wait_for_function("() => document.querySelector('.upload-progress').value > 0")
    assert bar.is_visible()
    assert first.locator(".upload-percent").inner_text().rstrip().endswith("%")
    first.get_by_role("button", name="Remove").click()

    # The second photo goes next, once the first is cancelled; when it is done, the first one would
    # have been finalized before it, had the transfer gone on.
    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)
    assert page.locator(".upload-item").count() == 1
    assert page.locator("#upload-chosen").inner_text() == "1 photo chosen"
    assert list(ImageSubmission.objects.values_list("original_filename", flat=True)) == ["coffee.jpg"]


def test_leaving_during_a_transfer_asks_first(upload_page, tmp_path):
    page, throttle = upload_page
    page.set_input_files("input[name=image]", [_photo(tmp_path, "market.jpg")])
    _describe_and_confirm(page, 1)
    throttle()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector('.upload-item[data-state="uploading"]')

    with page.expect_event("dialog") as dialog_info:
        page.close(run_before_unload=True)
    dialog = dialog_info.value
    assert dialog.type == "beforeunload"
    dialog.dismiss()
    assert not page.is_closed()
    assert page.locator('.upload-item[data-state="uploading"]').count() == 1


def test_a_lost_connection_pauses_the_photo_and_it_goes_on_when_the_link_is_back(
    upload_page, tmp_path, settings
):
    """Since issue 17 a dropped link no longer fails the photo: the bar keeps what the storage
    acknowledged (never more, never full), the photo says it goes on by itself, and it does."""
    from contributions.models import ImageSubmission

    page, throttle = upload_page
    settings.UPLOAD_CHUNK_BYTES = 16 * 1024  # the photo in several parts: the cut comes between them
    page.set_input_files("input[name=image]", [_photo(tmp_path, "market.jpg")])
    _describe_and_confirm(page, 1)
    throttle()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_function("() => document.querySelector('.upload-progress').value > 0")
    throttle(offline=True)

    page.wait_for_selector('.upload-item[data-state="paused"]', timeout=30_000)
    item = page.locator(".upload-item")
    assert "goes on from where it stopped once the link is back" in item.inner_text()
    assert item.locator(".upload-progress").evaluate("bar => bar.value") < 100
    assert item.get_by_role("button", name="Retry").is_hidden()  # nothing to press
    assert not ImageSubmission.objects.exists()
    throttle(offline=False, uploadThroughput=256 * 1024)
    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)
    assert ImageSubmission.objects.count() == 1


def test_nothing_is_sent_before_the_required_fields_and_a_large_enough_photo(upload_page, tmp_path):
    from contributions.models import ImageSubmission

    page, throttle = upload_page
    sent = []
    page.on("request", lambda request: "/images/uploads/" in request.url and sent.append(request.url))
    throttle()

    page.get_by_role("button", name="Submit").click()
    assert page.get_by_text("Choose at least one photo.").is_visible()
    small = tmp_path / "tiny.png"
    small.write_bytes(site_data.small_png(7, (320, 240)))
    page.set_input_files("input[name=image]", [_photo(tmp_path, "market.jpg"), str(small)])
    assert not page.get_by_text("Choose at least one photo.").is_visible()  # it cleared on choosing

    too_small = "This photo is too small: its shorter side must be at least 512 pixels."
    tiny = page.locator(".upload-item").nth(1)
    tiny.get_by_text(too_small).wait_for()  # read in the browser, before anything is sent
    page.get_by_role("button", name="Submit").click()
    first = page.locator(".upload-item").nth(0)
    first.get_by_text("Describe in English what the photo shows.").wait_for()
    assert page.get_by_text("Choose at least one country whose culture the photo shows.").is_visible()
    assert page.get_by_text(
        "Confirm that you took this photo, hold its copyright and license it under CC-BY-SA 4.0."
    ).first.is_visible()
    assert page.evaluate("document.activeElement.name") == "license_confirmed"
    assert first.locator(".upload-progress").evaluate("bar => bar.value") == 0
    assert sent == [] and not ImageSubmission.objects.exists()

    # Filled in, the large photo goes and the small one stays refused, unsent.
    _describe_and_confirm(page, 2)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)
    assert ImageSubmission.objects.count() == 1
    assert too_small in tiny.inner_text()
