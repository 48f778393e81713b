"""Uploads that survive the link (issue 17), in chromium on a throttled link that is cut and restored: a
photo goes in small parts and resumes after each cut without sending much twice, a reload mid-transfer
goes on from the acknowledged parts, a photo chosen offline waits in the browser and arrives once the
link is back (exactly once, even with two tabs open and the answer to its finalize lost), and the portal
is installable with an upload page that opens offline.

The cuts are real: the browser reaches the live server through a TCP proxy (tests/browser/cuttable_link.py)
that resets every connection in the middle of a part, as a lost signal does; DevTools' offline emulation
alone lets a part under way finish. DevTools keeps the throttled speed and `navigator.onLine`. Each cut is
armed in the proxy and happens when the bytes pass (no timing): the part cut is refused by the browser
(its request fails), the server never stores its first bytes as the part, and the part goes again.

The parts are small here (UPLOAD_CHUNK_BYTES = 64 KiB), so a photo of a few MB has enough of them."""

import hashlib
import json
from urllib.parse import urlsplit

import pytest
import site_data
from cuttable_link import CuttableLink
from site_walk import axe_violations, sideways

from tests.contributions.image_helpers import encode, photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHUNK = 64 * 1024
LINK = {"offline": False, "latency": 20, "downloadThroughput": 1024 * 1024, "uploadThroughput": 512 * 1024}
MID_PART = 16 * 1024  # a cut comes this far into a part's request


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


@pytest.fixture
def wire(live_server):
    """The browser's way to the live server: a proxy that can really be cut; its `url` is the site's."""
    wire = CuttableLink(urlsplit(live_server.url).port)
    wire.url = f"http://localhost:{wire.port}"
    yield wire
    wire.close()


class Link:
    """A page's link: the wire (really cut) and CDP's network emulation (the speed, `navigator.onLine`),
    and the part uploads it carried as chromium saw them: started, failed, answered."""

    def __init__(self, page, wire):
        self.page = page
        self.wire = wire
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.parts: list[int] = []  # the number of every part PUT started, in order
        self.failed: list[int] = []  # ... that the link dropped (no answer)
        self.answered: list[int] = []  # ... that the server answered
        page.on("request", lambda request: self._record(request, self.parts))
        page.on("requestfailed", lambda request: self._record(request, self.failed))
        page.on("requestfinished", lambda request: self._record(request, self.answered))

    @staticmethod
    def _part(request) -> int | None:
        path = urlsplit(request.url).path
        if request.method == "PUT" and "/parts/" in path:
            return int(path.rstrip("/").rsplit("/", 1)[1])
        return None

    def _record(self, request, numbers: list[int]):
        number = self._part(request)
        if number is not None:
            numbers.append(number)

    def set(self, **conditions):
        self.cdp.send("Network.emulateNetworkConditions", {**LINK, **conditions})

    def cut_mid_part(self):
        """The signal lost in the middle of a part: the proxy resets every connection once the next
        part's first bytes have passed, the page says it paused, then the browser is offline too."""
        failed = len(self.failed)
        self.wire.cut_mid_request(b"PUT ", MID_PART).wait(30)
        self.page.wait_for_selector('.upload-item[data-state="paused"]')
        self.set(offline=True)
        # A real cut: the part under way got no answer (with DevTools' offline alone it would finish).
        if len(self.failed) == failed:  # its event may come after the page has said so
            self.page.wait_for_event(
                "requestfailed", predicate=lambda request: self._part(request) is not None
            )
        assert len(self.failed) > failed, "no part was in flight at the cut"

    def restore(self):
        self.wire.restore()
        self.set(offline=False)


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


def _sha256(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


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
def upload_page(wire, page, make_user, browser_login):
    user = make_user("resume@example.org")
    browser_login(page, user, base=wire.url)
    page.goto(f"{wire.url}/images/new/")
    return page


def test_a_photo_survives_two_cuts_mid_part_and_little_is_sent_twice(upload_page, wire, tmp_path):
    from contributions.models import ImageSubmission

    page = upload_page
    link = Link(page, wire)
    path, size = _big_photo(tmp_path, "market.jpg", 1)
    page.set_input_files("input[name=image]", [path])
    _describe_and_confirm(page)
    link.set()
    start = wire.sent
    page.get_by_role("button", name="Submit").click()

    for percent in (25, 60):
        _wait_progress_over(page, percent)
        link.cut_mid_part()
        assert "goes on from where it stopped" in page.locator(".upload-item").inner_text()
        assert _progress(page) < 100  # never full before the storage has every part
        link.restore()

    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)
    submission = ImageSubmission.objects.get()
    assert submission.original_filename == "market.jpg"
    # What the storage assembled is the photo, byte for byte: the cut parts' first bytes never counted.
    assert submission.upload_sha256 == _sha256(path)
    # Counted at the proxy: every byte the browser sent, the requests' heads and the JSON calls included.
    twice = wire.sent - start - size
    assert 0 <= twice < 0.10 * size, f"{twice} of {size} bytes sent twice"
    # Every part went at least once, and none acknowledged went again: repeats are the cut ones only,
    # and every part cut went again and was answered.
    assert sorted(set(link.parts)) == list(range(1, -(-size // CHUNK) + 1))
    assert len(link.parts) - len(set(link.parts)) == len(link.failed) <= 4  # at most two in flight at a cut
    assert set(link.failed) <= set(link.answered)
    assert page.locator("#upload-kept").is_hidden()  # nothing waits any more


def test_a_reload_after_a_cut_mid_transfer_goes_on_from_the_acknowledged_parts(upload_page, wire, tmp_path):
    """The signal lost mid-part, the page reloaded without a link (the service worker's copy): the photo
    is listed from the browser's store and goes on from the parts the storage acknowledged."""
    from contributions.models import ImageSubmission

    page = upload_page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the page is kept for offline
    link = Link(page, wire)
    path, size = _big_photo(tmp_path, "temple.jpg", 2)
    page.set_input_files("input[name=image]", [path])
    _describe_and_confirm(page)
    link.set(uploadThroughput=256 * 1024)
    page.get_by_role("button", name="Submit").click()
    _wait_progress_over(page, 40)
    link.cut_mid_part()
    acknowledged = set(link.answered)

    page.on("dialog", lambda dialog: dialog.accept())  # "leaving now stops them": yes
    link.parts.clear()
    page.reload()  # offline: the page from the service worker's cache, the photo from IndexedDB
    kept = page.locator("#upload-kept")
    kept.wait_for()
    assert "1 photo is waiting to be sent." in kept.inner_text()
    item = page.locator(".upload-item")
    assert "temple.jpg" in item.inner_text() and "MB" in item.inner_text()
    assert link.parts == []  # nothing went while the link was down
    start = wire.sent
    link.restore()
    page.wait_for_selector('.upload-item[data-state="done"]', timeout=60_000)

    submission = ImageSubmission.objects.get()
    assert submission.upload_sha256 == _sha256(path)
    assert not acknowledged & set(link.parts)  # no part the storage had acknowledged went again
    left = size - len(acknowledged) * CHUNK
    assert 0 < wire.sent - start < left + 0.10 * size  # resumed: about half was left to send
    page.reload()
    page.locator(".site-footer").wait_for()
    assert page.locator(".upload-item").count() == 0  # finalized, so no longer kept
    assert page.locator("#upload-kept").is_hidden()


def test_a_photo_chosen_offline_arrives_once_online_exactly_once_with_two_tabs_open(
    upload_page, wire, tmp_path
):
    """Chosen with no link at all (the proxy refuses every connection), sent when the link is back; the
    link drops again in the middle of a part, and the answer to its finalize is lost: the submission
    exists once (the portal answers a finalize sent again with the same submission)."""
    from contributions.models import ImageSubmission

    page = upload_page
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    link = Link(page, wire)
    context = page.context
    wire.cut()
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
    other.goto(f"{wire.url}/images/new/")
    other.locator(".upload-item").wait_for()
    assert "warung.jpg" in other.locator(".upload-item").inner_text()
    assert not ImageSubmission.objects.exists()

    # Back, then cut again in the middle of the first part, then the finalize's answer lost. A tab or
    # the service worker (Background Sync) sends it, whichever takes the photo's lock first.
    cut = wire.cut_mid_request(b"PUT ", MID_PART)
    finalize_answer_lost = wire.lose_answer_to(b"POST /images/uploads/finalize/")
    link.set()
    wire.restore()
    context.set_offline(False)
    assert cut.wait(30)
    assert not ImageSubmission.objects.exists()
    wire.restore()
    assert finalize_answer_lost.wait(30)
    assert ImageSubmission.objects.count() == 1  # created, but the browser never heard of it
    wire.restore()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.upload-item')].every(i => i.dataset.state === 'done')",
        timeout=30_000,
    )
    other.wait_for_selector('.upload-item[data-state="done"]', timeout=30_000)
    assert list(ImageSubmission.objects.values_list("original_filename", flat=True)) == ["warung.jpg"]


def test_a_photo_chosen_offline_is_sent_by_the_service_worker_once_its_tab_is_closed(
    upload_page, wire, tmp_path
):
    """Background Sync: headless chromium fires `sync` for the service worker with no page open once the
    link is back; the worker sends the photo itself from IndexedDB (the page's own protocol), exactly
    once even when the answer to its finalize is lost, and the page says so when opened again."""
    from contributions.models import ImageSubmission

    page = upload_page
    context = page.context
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wire.cut()
    context.set_offline(True)
    path = _photo(tmp_path, "warung.jpg")
    page.set_input_files("input[name=image]", [path])
    _describe_and_confirm(page)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector('.upload-item[data-state="queued"]')
    tags = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.sync.getTags())")
    assert tags == ["seavl-uploads"]
    page.close()
    assert context.pages == [] and not ImageSubmission.objects.exists()

    finalize_answer_lost = wire.lose_answer_to(b"POST /images/uploads/finalize/")
    wire.restore()
    context.set_offline(False)  # the link is back: the browser fires `sync` in the service worker
    assert finalize_answer_lost.wait(30)
    answered = wire.answered(b"POST /images/uploads/finalize/")
    wire.restore()  # before the worker asks again (a second after the loss)
    assert ImageSubmission.objects.count() == 1  # created, but the worker never heard of it
    assert answered.wait(30), f"no finalize answered after the loss ({wire.cuts} cuts, link up: {wire.up})"
    assert context.pages == []  # all of it with no page open

    again = context.new_page()
    again.goto(f"{wire.url}/images/new/")
    item = again.locator('.upload-item[data-state="done"]')
    item.wait_for(timeout=30_000)
    assert "warung.jpg" in item.inner_text()
    assert "Uploaded in the background once the link was back" in item.inner_text()
    submission = ImageSubmission.objects.get()
    assert submission.original_filename == "warung.jpg"
    assert submission.upload_sha256 == _sha256(path)
    again.reload()
    again.locator(".site-footer").wait_for()
    assert again.locator(".upload-item").count() == 0  # said once, then forgotten


def _photo(tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(site_data.jpeg("coffee"))
    return str(path)


def test_installable_and_the_upload_page_opens_offline_after_one_visit(upload_page, wire):
    page = upload_page
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert page.locator("meta[name=theme-color]").get_attribute("content") == "#0b6e4f"
    response = page.request.get(f"{wire.url}{href}")
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["short_name"] == "SEA-VL" and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/images/new/" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(f"{wire.url}{icon['src']}").ok, icon

    scope = page.evaluate("navigator.serviceWorker.ready.then(registration => registration.scope)")
    assert scope == f"{wire.url}/"
    page.context.set_offline(True)
    page.goto(f"{wire.url}/images/new/")
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
    # Left offline: back online, the page and the service worker would send the photo while the test's
    # database is emptied.
