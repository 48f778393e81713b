"""Every role's main pages on a phone (360x740), a tablet (768x1024) and a laptop (1280x800): the menu is
visible and reachable by keyboard, nothing scrolls sideways, and axe-core finds no WCAG 2.2 AA violation
(tests/browser/site_walk.py). One walk runs in Khmer. The data of each walk is made once, through the
services."""

import pytest
import site_data
from site_walk import walk

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
    settings.REVIEW_GOLD_RATE = 0


def _contributor_pages(make_user):
    user = make_user("walker@example.org", display_name="Dara Sok", country="KH")
    image = site_data.image_submitted(user, countries=("KH",))
    site_data.points_for(user)
    pages = {
        "home": "/",
        "profile": "/profile/",
        "upload": "/images/new/",
        "my images": "/images/",
        "a submission": f"/images/{image.pk}/",
        "bulk": "/images/bulk/",
        "points": "/points/",
        "notices": "/notices/",
        "notice settings": "/notices/settings/",
        "leaderboard": "/leaderboard/",
        "faq": "/faq/",
    }
    return user, pages


def test_a_contributors_pages_on_every_screen(live_server, browser, make_user):
    user, pages = _contributor_pages(make_user)
    result = walk(browser, live_server.url, user, pages)
    assert not result.problems, result.report()


def test_a_contributors_pages_in_khmer_on_a_phone(live_server, browser, make_user):
    user, pages = _contributor_pages(make_user)
    result = walk(browser, live_server.url, user, pages, sizes=("phone",), language="km")
    assert not result.problems, result.report()


def test_signed_out_pages_on_every_screen(live_server, browser):
    pages = {"home": "/", "faq": "/faq/", "sign in": "/accounts/login/", "sign up": "/accounts/signup/"}
    result = walk(browser, live_server.url, None, pages)
    assert not result.problems, result.report()


def test_an_annotators_pages_on_every_screen(live_server, browser, make_user):
    from review.screening import screening_attempt_start

    site_data.screening_items(("TH",))
    author = make_user("author@example.org", country="TH")
    site_data.image_submitted(author, countries=("TH",))
    annotator = make_user("rater@example.org", country="TH")
    site_data.qualify(annotator, ("TH",))
    applicant = make_user("applicant@example.org", country="TH")
    attempt = screening_attempt_start(user=applicant, country_codes=["TH"])

    result = walk(browser, live_server.url, annotator, {"rating": "/review/"})
    more = walk(
        browser,
        live_server.url,
        applicant,
        {"screening": "/review/screening/", "screening test": f"/review/screening/{attempt.pk}/"},
    )
    problems = result.problems + more.problems
    assert not problems, result.report() + "\n" + more.report()


def test_the_text_tasks_pages_on_every_screen(live_server, browser, make_user, tmp_path):
    prompts = site_data.benchmark_prompts(tmp_path)
    site_data.pool_images(tmp_path)
    user = make_user("writer@example.org", country="TH", native_language="Thai (tha)")
    site_data.translator(user, "tha")
    pages = {
        "text tasks": "/text-tasks/",
        "task 3": "/translations/",
        "task 3 prompt": f"/translations/prompts/{prompts[1].pk}/",
        "task 4": "/visual-questions/",
        "task 5": "/generation-prompts/",
        "task 6": "/text-prompts/",
        "my texts": "/my-texts/",
    }
    result = walk(browser, live_server.url, user, pages)
    assert not result.problems, result.report()


def test_an_organizers_pages_on_every_screen(live_server, browser, make_user, tmp_path):
    from accounts.roles import ORGANIZER

    prompts = site_data.benchmark_prompts(tmp_path)
    writer = make_user("writer@example.org", country="TH", native_language="Thai (tha)")
    site_data.translator(writer, "tha")
    site_data.text_submissions(writer, prompts)
    site_data.image_submitted(writer, countries=("TH",))
    site_data.points_for(writer)
    organizer = make_user("lead@example.org", roles=(ORGANIZER,))
    pages = {
        "hub": "/organizers/hub/",
        "dashboard": "/organizers/",
        "adjudication": "/review/organizers/adjudication/",
        "annotators": "/review/organizers/",
        "moderation": "/moderation/texts/",
        "rewards": "/points/organizers/",
        "leaderboard": "/leaderboard/",
        "exports": "/organizers/exports/",
        "translations": "/catalogs/",
    }
    result = walk(browser, live_server.url, organizer, pages)
    assert not result.problems, result.report()
