"""Uploads that survive the link (issue 17), in chromium on a throttled link that is cut and restored
(Chrome DevTools' `Network.emulateNetworkConditions`): a photo goes in small parts and resumes after
each cut without sending much twice, a reload mid-transfer goes on from the acknowledged parts, a photo
chosen offline waits in the browser and arrives once the link is back (exactly once, even with two tabs
open), and the portal is installable with an upload page that opens offline.

The parts are small here (UPLOAD_CHUNK_BYTES = 64 KiB), so a photo of a few MB has enough of them."""

import json
from urllib.parse import urlsplit

import pytest
import site_data
from site_walk import axe_violations, sideways

from tests.contributions.image_helpers import encode, photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUNK = 64 * 1024
LINK = {"offline": False, "latency": 20, "downloadThroughput": 1024 * 1024, "uploadThroughput": 512 * 1024}
CUT = {**LINK, "offline": True}


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }
    settings.UPLOAD_CHUNK_BYTES = CHUNK


class Link:
    """A page's link (CDP network emulation) and the part uploads it carried, as chromium saw them."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.parts: list[int] = []  # the number of every part PUT started, in order
        page.on("request", self._seen)

    def _seen(self, request):
        path = urlsplit(request.url).path
        if request.method == "PUT" and "/parts/" in path:
            self.parts.append(int(path.rstrip("/").rsplit("/", 1)[1]))

    def set(self, **conditions):
        self.cdp.send("Network.emulateNetworkConditions", {**LINK, **conditions})

    def cut(self):
        self.set(offline=True)

    def restore(self):
        self.set(offline=False)

    def bytes_sent(self, size: int) -> int:
        """Every part request started counts whole (an upper bound: a cut one sent less)."""
        count = -(-size // CHUNK)
        return sum(CHUNK if number < count else size - (count - 1) * CHUNK for number in self.parts)


def _big_photo(tmp_path, name: str, seed: int) -> tuple[str, int]:
    """A phone-like JPEG of about 4 MB (detail and noise keep it from compressing)."""
    import numpy as np
    from PIL import Image

    image = np.asarray(photo("astronaut", (2560, 1920)), dtype=np.int16)
    noise = np.random.default_rng(seed).integers(-32, 33, size=image.shape, dtype=np.int16)
    data = encode(Image.fromarray(np.clip(image + noise, 0, 255).astype(np.uint8)), quality=97)
    path = tmp_path / name
    path.write_bytes(data)
    return str(path), len(data)


def _describe_and_confirm(page, count: int = 1):
    for n in range(count):
        item = page.locator(".upload-item").nth(n)
        item.get_by_label("In English, what is this image about?").fill("Grilling lemang at a market")
        item.get_by_label("The same in your native language").fill("Membakar lemang di pasar")
    page.get_by_label("Indonesia").check()
    page.get_by_label("I took this photo").check()


def _progress(page) -> float:
    return page.evaluate("() => document.querySelector('.upload-progress').value")


def _wait_progress_over(page, percent: int):
    page.wait_for_function(
        f"() => document.querySelector('.upload-progress').value > {percent}", timeout=30_000
    )


@pytest.fixture
def upload_page(live_server, page, make_user, browser_login):
    user = make_user("resume@example.org")
    browser_login(page, user)
    page.goto(f"{live_server.url}/images/new/")
    return page


def test_a_photo_survives_two_cuts_and_little_is_sent_twice(upload_page, tmp_path):
    from contributions.models import ImageSubmission

    page = upload_page
    link = Link(page)
    path, size = _big_photo(tmp_path, "market.jpg", 1)
    page.set_input_files("input[name=image]", [path])
    _describe_and_confirm(page)
    link.set()
    page.get_by_role("button", name="Submit").click()

    for percent in (25, 60):
        _wait_progress_over(page, percent)
        link.cut()
        page.wait_for_selector('.upload-item[data-state="paused"]')
        assert "goes on from where it stopped" in page.locator(".upload-item").inner_text()
        assert _progress(page) < 100  # never full before the storage has every part
        link.restore()

    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)
    assert ImageSubmission.objects.count() == 1
    assert ImageSubmission.objects.get().original_filename == "market.jpg"
    twice = link.bytes_sent(size) - size
    assert 0 <= twice < 0.10 * size, f"{twice} of {size} bytes sent twice"
    # Every part went at least once, and none acknowledged went again: repeats are the cut ones only.
    assert sorted(set(link.parts)) == list(range(1, -(-size // CHUNK) + 1))
    assert len(link.parts) - len(set(link.parts)) <= 4  # at most two in flight at each of the two cuts
    assert page.locator("#upload-kept").is_hidden()  # nothing waits any more


def test_a_reload_mid_transfer_goes_on_from_the_acknowledged_parts(upload_page, tmp_path):
    from contributions.models import ImageSubmission

    page = upload_page
    link = Link(page)
    path, size = _big_photo(tmp_path, "temple.jpg", 2)
    page.set_input_files("input[name=image]", [path])
    _describe_and_confirm(page)
    link.set(uploadThroughput=256 * 1024)
    page.get_by_role("button", name="Submit").click()
    _wait_progress_over(page, 40)

    page.on("dialog", lambda dialog: dialog.accept())  # "leaving now stops them": yes
    link.parts.clear()
    page.reload()
    kept = page.locator("#upload-kept")
    kept.wait_for()
    assert "1 photo is waiting to be sent." in kept.inner_text()
    item = page.locator(".upload-item")
    assert "temple.jpg" in item.inner_text() and "MB" in item.inner_text()
    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)

    assert ImageSubmission.objects.count() == 1
    assert 0 < link.bytes_sent(size) < 0.75 * size  # resumed: about 60 % were left to send
    page.reload()
    page.locator(".site-footer").wait_for()
    assert page.locator(".upload-item").count() == 0  # finalized, so no longer kept
    assert page.locator("#upload-kept").is_hidden()


def test_a_photo_chosen_offline_arrives_once_online_exactly_once_with_two_tabs_open(
    upload_page, live_server, tmp_path
):
    from contributions.models import ImageSubmission

    page = upload_page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context = page.context
    context.set_offline(True)
    page.set_input_files("input[name=image]", [_photo(tmp_path, "warung.jpg")])
    _describe_and_confirm(page)
    page.get_by_role("button", name="Submit").click()

    page.wait_for_selector('.upload-item[data-state="queued"]')
    assert "Waiting for the connection" in page.locator(".upload-item").inner_text()
    kept = page.locator("#upload-kept")
    assert "1 photo is waiting to be sent." in kept.inner_text()
    assert "when the connection is back" in kept.inner_text()

    # A second tab, opened offline (the service worker serves the page), lists the same photo.
    other = context.new_page()
    other.goto(f"{live_server.url}/images/new/")
    other.locator(".upload-item").wait_for()
    assert "warung.jpg" in other.locator(".upload-item").inner_text()
    assert not ImageSubmission.objects.exists()

    context.set_offline(False)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.upload-item')].every(i => i.dataset.state === 'done')",
        timeout=30_000,
    )
    other.wait_for_selector('.upload-item[data-state="done"]', timeout=30_000)
    assert list(ImageSubmission.objects.values_list("original_filename", flat=True)) == ["warung.jpg"]


def _photo(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(site_data.jpeg("coffee"))
    return str(path)


def test_installable_and_the_upload_page_opens_offline_after_one_visit(upload_page, live_server):
    page = upload_page
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert page.locator("meta[name=theme-color]").get_attribute("content") == "#0b6e4f"
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["short_name"] == "SEA-VL" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/images/new/" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(f"{live_server.url}{icon['src']}").ok, icon

    scope = page.evaluate("navigator.serviceWorker.ready.then(registration => registration.scope)")
    assert scope == f"{live_server.url}/"
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/images/new/")
    assert page.get_by_role("heading", name="Submit photos of Southeast Asian culture").is_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.button')).borderRadius") == "6px"
    )  # its CSS
    assert page.evaluate("typeof window.SeavlUploadStore") == "object"  # its scripts
    page.context.set_offline(False)


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_waiting_list_on_every_screen_is_accessible(upload_page, tmp_path, width):
    page = upload_page
    page.set_viewport_size({"width": width, "height": 900})
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.context.set_offline(True)
    page.set_input_files("input[name=image]", [_photo(tmp_path, "warung.jpg")])
    _describe_and_confirm(page)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector('.upload-item[data-state="queued"]')
    page.reload()  # the list as a later visit shows it (served offline)
    page.locator("#upload-kept").wait_for()
    assert page.locator('.upload-item[data-state="queued"]').count() == 1
    assert axe_violations(page) == []
    assert sideways(page) <= width
    page.context.set_offline(False)
