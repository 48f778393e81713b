import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_signs_up_verifies_completes_the_profile_and_sees_open_tasks(live_server, page):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up to contribute").click()
    page.fill("input[name=email]", "volunteer@example.org")
    page.fill("input[name=password1]", "sea-vl-Phase-2-passphrase")
    page.fill("input[name=password2]", "sea-vl-Phase-2-passphrase")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/profile/.*"))

    page.get_by_label("Display name").fill("Siti Rahma")
    page.get_by_label("Country of residence").select_option("KH")
    page.get_by_label("Native language", exact=True).select_option("khm")
    page.get_by_label("I agree that my contributions").check()
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(f"{live_server.url}/")

    assert page.get_by_text("Your profile is saved.").is_visible()
    open_task = page.locator('[data-task="1"]')
    assert "Open" in open_task.inner_text()
    assert "Scheduled" in page.locator('[data-task="6"]').inner_text()
    # The page fits a 360 px phone screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
