import pytest
from text_helpers import CHAIN

from texttasks.models import GenerationPrompt, Translation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_translator_submits_a_translation_and_a_three_level_prompt_chain(
    live_server, page, browser_login, make_user, prompts
):
    user = make_user("translator@example.org", country="TH", native_language="Thai (tha)")
    browser_login(page, user)

    page.goto(f"{live_server.url}/translations/")
    page.get_by_label("Language you will translate into").select_option("tha")
    page.get_by_role("button", name="Enrol").click()
    page.get_by_text("You translate into Thai. Thank you!").wait_for()
    page.get_by_role("link", name="Translate the next prompt").click()
    assert page.get_by_text("Keep the meaning and the intent").is_visible()
    page.wait_for_load_state("load")
    images = page.locator(".prompt-images img")
    assert images.count() == len(prompts[0].images)
    for n in range(images.count()):
        # The images load lazily: each one appears once scrolled into view.
        image = images.nth(n)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.get_by_label("Your translation").fill("อธิบายว่าผู้คนในภาพกำลังเตรียมอะไรและอย่างไร")
    page.get_by_role("button", name="Submit translation").click()
    page.get_by_text("Your translation is submitted.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(f"{live_server.url}/generation-prompts/")
    page.get_by_label("Country whose culture the prompts are about").select_option("ID")
    page.get_by_label("Level 1 (easy)").fill(CHAIN[0])
    page.get_by_label("Level 2 (medium)").fill(CHAIN[1])
    page.get_by_label("Level 3 (hard)").fill(CHAIN[2])
    page.get_by_role("button", name="Submit the three prompts").click()
    page.get_by_text("Your three prompts are submitted.").wait_for()

    translation = Translation.objects.get(contributor=user)
    assert (translation.status, translation.language_id, translation.prompt.source_index) == (
        "pending",
        "tha",
        "0",
    )
    assert list(
        GenerationPrompt.objects.filter(contributor=user).order_by("level").values_list("level", flat=True)
    ) == [1, 2, 3]
