"""A contributor picks two photos on a phone-sized page, describes each, and finds them in My images."""

import pytest

from tests.contributions.image_helpers import jpeg, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": settings.MEDIA_URL},
        },
    }


def test_two_photos_uploaded_from_the_page_show_up_in_my_images(
    live_server, page, make_user, browser_login, tmp_path
):
    from contributions.models import ImageSubmission

    user = make_user("phone@example.org")
    first, second = tmp_path / "market.jpg", tmp_path / "temple.png"
    first.write_bytes(jpeg("astronaut"))
    second.write_bytes(png("coffee"))
    browser_login(page, user)

    page.goto(f"{live_server.url}/images/new/")
    page.set_input_files("input[name=image]", [str(first), str(second)])
    items = page.locator(".upload-item")
    assert items.count() == 2
    items.nth(0).get_by_label("In English, what is this image about?").fill("Grilling lemang at a market")
    items.nth(0).get_by_label("The same in your native language").fill("Membakar lemang di pasar")
    items.nth(1).get_by_label("In English, what is this image about?").fill("Coffee at a warung")
    items.nth(1).get_by_label("The same in your native language").fill("Kopi di warung")
    page.get_by_label("Indonesia").check()
    page.get_by_role("textbox", name="Where was it taken? (City, Country)").fill("Padang, Indonesia")
    page.get_by_label("I took this photo").check()
    page.get_by_role("button", name="Submit").click()

    page.wait_for_selector('.upload-item[data-state="done"] >> nth=1')
    assert page.locator('.upload-item[data-state="done"]').count() == 2
    page.get_by_role("link", name="See my images").click()
    page.wait_for_url(f"{live_server.url}/images/")

    cards = page.locator(".image-card")
    assert cards.count() == 2
    assert page.locator(".image-card img").count() == 2  # checked: thumbnails are there
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert sorted(ImageSubmission.objects.values_list("description", flat=True)) == [
        "Coffee at a warung",
        "Grilling lemang at a market",
    ]
    assert set(ImageSubmission.objects.values_list("status", flat=True)) == {"in_review"}


def test_a_failed_file_can_be_retried_without_losing_the_other(
    live_server, page, make_user, browser_login, tmp_path
):
    user = make_user("retry@example.org")
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(jpeg("chelsea"))
    bad.write_bytes(b"<html>not a photo</html>")
    browser_login(page, user)

    page.goto(f"{live_server.url}/images/new/")
    page.set_input_files("input[name=image]", [str(good), str(bad)])
    for index in range(2):
        item = page.locator(".upload-item").nth(index)
        item.get_by_label("In English, what is this image about?").fill("A cat on a temple step")
        item.get_by_label("The same in your native language").fill("Kucing di tangga candi")
    page.get_by_label("Thailand").check()
    page.get_by_label("I took this photo").check()
    page.get_by_role("button", name="Submit").click()

    page.wait_for_selector('.upload-item[data-state="failed"]')
    failed = page.locator('.upload-item[data-state="failed"]')
    assert "not a JPEG" in failed.inner_text()
    assert page.locator('.upload-item[data-state="done"]').count() == 1
    assert failed.get_by_role("button", name="Retry").is_visible()
