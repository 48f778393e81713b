"""Every campaign language, on a 360 px phone: nothing scrolls sideways, one screenshot per script in
test-artifacts/languages/ (gitignored), and the switcher works with and without JavaScript."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "languages"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PAGES = {"home": "/", "faq": "/faq/", "sign-in": "/accounts/login/", "sign-up": "/accounts/signup/"}


def _use_language(page, live_server, language: str) -> None:
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def test_each_language_fits_a_360_px_screen(live_server, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for language in LANGUAGES:
        _use_language(page, live_server, language)
        for name, path in PAGES.items():
            page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")  # after the CSS
            assert page.locator("html").get_attribute("lang") == language
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide.append(f"{language} {name}: {width}px")
            if name == "home":
                page.screenshot(path=str(ARTIFACTS / f"home-{language}.png"))
    assert not too_wide


def test_signed_in_pages_fit_a_360_px_screen_in_each_language(live_server, page, make_user, browser_login):
    """Upload, review and leaderboard, for a contributor who is also a qualified annotator."""
    from django.urls import NoReverseMatch, reverse

    from accounts.roles import ANNOTATOR

    user = make_user(roles=(ANNOTATOR,))
    try:
        from review.models import AnnotatorQualification

        AnnotatorQualification.objects.create(user=user, country_id="KH")
    except ImportError:
        pass
    browser_login(page, user)
    pages = {}
    for name, url_name in (
        ("upload", "contributions:new"),
        ("review", "review:queue"),
        ("leaderboard", "points:leaderboard"),
    ):
        try:
            pages[name] = reverse(url_name)
        except NoReverseMatch:
            continue
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for language in LANGUAGES:
        _use_language(page, live_server, language)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
            assert page.locator("html").get_attribute("lang") == language, (name, page.url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide.append(f"{language} {name}: {width}px")
            if name == "upload":
                page.screenshot(path=str(ARTIFACTS / f"upload-{language}.png"))
    assert not too_wide


def test_the_switcher_changes_language_on_pick_and_remembers_it(live_server, page):
    page.goto(f"{live_server.url}/faq/")
    page.select_option("#language-switch", "th")  # JavaScript submits on change
    expect(page.locator("html")).to_have_attribute("lang", "th")  # polls without eval (the CSP refuses it)
    assert page.url == f"{live_server.url}/faq/"
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.get_by_role("heading", level=2).first.inner_text() == "งาน"


def test_the_switcher_works_without_javascript(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 780}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.select_option("#language-switch", "my")
        page.locator(".language-switch [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "my"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
