import pytest

from review.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_annotator_rates_with_the_keyboard_and_the_next_image_appears_without_a_reload(
    live_server, page, browser_login, make_annotator, make_image_in_review, settings
):
    settings.REVIEW_GOLD_RATE = 0
    first = make_image_in_review(age_minutes=10, description="Som tam in a clay mortar")
    second = make_image_in_review(description="Monks collecting alms at dawn")
    annotator = make_annotator(countries=("TH",))
    browser_login(page, annotator)
    page.goto(f"{live_server.url}/review/")
    assert page.get_by_text("Som tam in a clay mortar").is_visible()
    page.evaluate("window.__sameDocument = true")

    page.locator("h1").click()  # focus on the page, not on a field
    page.keyboard.press("4")
    page.keyboard.press("y")
    page.keyboard.press("n")
    assert page.locator('input[name=relevance][value="4"]').is_checked()
    assert page.locator('input[name=caption_fit][value="yes"]').is_checked()
    assert page.locator('input[name=quality_ok][value="no"]').is_checked()
    page.keyboard.press("Enter")

    page.get_by_text("Monks collecting alms at dawn").wait_for()
    assert page.get_by_text("Thank you, your rating is saved.").is_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    rating = Rating.objects.get(annotator=annotator)
    assert (rating.item_id, rating.relevance, rating.caption_fit, rating.quality_ok) == (
        first.pk,
        4,
        True,
        False,
    )

    # s skips the second one; the empty state follows, still in the same document.
    page.keyboard.press("s")
    page.get_by_text("Nothing to rate right now").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    assert Rating.objects.get(annotator=annotator, item_id=second.pk).skipped
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
