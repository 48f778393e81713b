"""On a 360 px phone a refused form puts its summary where the person is looking: at the top of the form,
focused, announced (role="alert"). Withdraw asks first, with and without JavaScript. Organizers find
their queues, and /admin/ without staff access sends them there."""

import pytest
import site_data
from playwright.sync_api import expect
from site_walk import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _summary_in_view(page) -> None:
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    # The summary is focused by a deferred script, which may run a moment after the element is there.
    # (expect() polls without eval: a string predicate would be eval'd in the page, which the CSP refuses.)
    expect(summary).to_be_focused()
    box = summary.bounding_box()
    assert -2 <= box["y"] < page.viewport_size["height"] - 40, box  # scrolled to, with its top in view


def test_refusals_on_tasks_3_4_and_5_are_focused_at_the_top_of_the_form(
    live_server, page, make_user, browser_login, tmp_path
):
    prompts = site_data.benchmark_prompts(tmp_path)
    site_data.pool_images(tmp_path)
    user = make_user("writer@example.org", country="TH", native_language="Thai (tha)")
    site_data.translator(user, "tha")
    browser_login(page, user)

    page.goto(f"{live_server.url}/translations/prompts/{prompts[1].pk}/")
    page.get_by_role("button", name="Submit translation").click()
    _summary_in_view(page)

    page.goto(f"{live_server.url}/visual-questions/?language=tha&countries=TH")
    page.get_by_role("button", name="Submit question").click()
    _summary_in_view(page)

    page.goto(f"{live_server.url}/generation-prompts/")
    page.get_by_label("Level 1 (easy)").fill("Draw an image of people drinking es teler.")
    page.get_by_role("button", name="Submit the three prompts").click()
    _summary_in_view(page)
    # Each message links to its field.
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("document.activeElement.tagName") in {"TEXTAREA", "INPUT", "SELECT"}


@pytest.mark.parametrize("javascript", [True, False])
def test_withdrawing_a_photo_asks_for_confirmation(live_server, browser, make_user, javascript, settings, tmp_path):
    from contributions.models import ImageSubmission

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }
    user = make_user("withdraw@example.org")
    image = site_data.image_submitted(user, countries=("ID",))
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=javascript)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, user)
        page.goto(f"{live_server.url}/images/{image.pk}/")
        page.get_by_role("link", name="Withdraw this photo").click()
        image.refresh_from_db()
        assert image.status != ImageSubmission.Status.WITHDRAWN  # one tap deletes nothing
        page.get_by_role("link", name="No, keep it").click()
        assert page.get_by_role("link", name="Withdraw this photo").is_visible()
        page.get_by_role("link", name="Withdraw this photo").click()
        page.get_by_role("button", name="Yes, withdraw and delete it").click()
        page.wait_for_load_state()
        image.refresh_from_db()
        assert image.status == ImageSubmission.Status.WITHDRAWN
    finally:
        context.close()


def test_organizers_reach_every_queue_from_the_hub_and_from_admin(live_server, page, make_user, browser_login, tmp_path):
    from accounts.roles import ORGANIZER

    prompts = site_data.benchmark_prompts(tmp_path)
    writer = make_user("writer@example.org", country="TH", native_language="Thai (tha)")
    site_data.translator(writer, "tha")
    site_data.text_submissions(writer, prompts)
    organizer = make_user("lead@example.org", roles=(ORGANIZER,))
    browser_login(page, organizer)

    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url(f"{live_server.url}/organizers/hub/")
    assert "The admin needs staff access" in page.inner_text("main")
    waiting = {
        queue.get_attribute("data-queue"): queue.locator("[data-waiting]").inner_text()
        for queue in page.locator(".hub-queue").all()
    }
    assert waiting == {
        "adjudication": "0",
        "moderation-3": "1",
        "moderation-4": "0",
        "moderation-5": "3",
        "moderation-6": "0",
        "take-down": "0",
        "rewards": "0",
        "screening": "0",
    }
    page.get_by_role("link", name="Text moderation, Task 5").click()
    assert page.url.endswith("/moderation/texts/?task=5&status=pending")
    page.go_back()
    page.get_by_role("link", name="Adjudication").first.click()
    page.wait_for_url(f"{live_server.url}/review/organizers/adjudication/")

    # The menu leads to the hub, and the dashboard links it and the images in review.
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Waiting on organizers", exact=True).click()
    page.wait_for_url(f"{live_server.url}/organizers/hub/")
    page.goto(f"{live_server.url}/organizers/")
    assert page.get_by_role("link", name="Everything waiting on organizers", exact=False).is_visible()
    assert page.get_by_role("link", name="Who is reviewing them").is_visible()


def test_the_rating_shortcuts_work_on_a_thai_keyboard(live_server, page, make_user, browser_login, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }
    settings.REVIEW_GOLD_RATE = 0
    settings.REVIEW_MIN_SECONDS_PER_ITEM = 0
    author = make_user("author@example.org", country="TH")
    site_data.image_submitted(author, countries=("TH",))
    annotator = make_user("rater@example.org", country="TH")
    site_data.qualify(annotator, ("TH",))
    browser_login(page, annotator)
    page.goto(f"{live_server.url}/review/")
    page.locator("h1").click()

    # Kedmanee: the key marked 4 types "ภ", Y types "ั", N types "ื" (event.key), event.code is the same.
    for key, code in (("ภ", "Digit4"), ("ั", "KeyY"), ("ื", "KeyN")):
        page.evaluate(
            "([key, code]) => document.dispatchEvent(new KeyboardEvent('keydown', {key, code, bubbles: true}))",
            [key, code],
        )
    assert page.locator('input[name=relevance][value="4"]').is_checked()
    assert page.locator('input[name=caption_fit][value="yes"]').is_checked()
    assert page.locator('input[name=quality_ok][value="no"]').is_checked()
