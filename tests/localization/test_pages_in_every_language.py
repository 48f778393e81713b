"""Each campaign language renders the contributor pages with nothing left in English (see
page_text.untranslated_texts for the exact marker)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.localization.page_text import (
    _back_to_the_default_language,  # noqa: F401 - autouse
    page_texts,
    untranslated_texts,
)

LANGUAGES = ["id", "th", "vi", "ms", "fil", "km", "lo", "my", "tet", "ta", "zh-hans"]
ANONYMOUS_PAGES = ["/", "/faq/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/", "/profile/"]
# The pages of the other issues, when this build has them (a URL name that does not resolve is skipped).
CONTRIBUTOR_PAGES = [
    "contributions:new",
    "contributions:my-images",
    "points:mine",
    "points:leaderboard",
    "review:screening",
    "contributions:bulk",
    "texttasks:hub",
    "texttasks:translations",
    "texttasks:visual-questions",
    "texttasks:generation-prompts",
    "texttasks:text-prompts",
    "texttasks:mine",
    "texttasks:validate",
]
ANNOTATOR_PAGES = ["review:queue"]


def _render(client, path: str, language: str) -> str:
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_pages_are_fully_translated(client, language):
    for path in ANONYMOUS_PAGES:
        english = _render(client, path, "en")
        assert len(page_texts(english)) > 10, path
        translated = _render(client, path, language)
        assert f'<html lang="{language}"' in translated
        assert untranslated_texts(english, translated, language) == [], path


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_in_pages_are_fully_translated(client, contributor, language):
    client.force_login(contributor)
    for path in SIGNED_IN_PAGES:
        english = _render(client, path, "en")
        translated = _render(client, path, language)
        assert untranslated_texts(english, translated, language) == [], path


@pytest.mark.django_db
def test_form_errors_are_translated(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "password1": "123", "password2": "123"},
        HTTP_ACCEPT_LANGUAGE="lo",  # neither Django nor allauth ship Lao: the portal's catalog does
    )
    html = response.content.decode()
    assert "Enter a valid email address." not in html and "ປ້ອນທີ່ຢູ່ອີເມວທີ່ຖືກຕ້ອງ." in html
    assert "This password is too short" not in html


def test_the_marker_catches_a_string_left_in_english():
    english = "<p>Good to know</p><p>SEA-VL</p><p>Menu</p>"
    translated = "<p>Good to know</p><p>SEA-VL</p><p>Menu</p>"
    assert untranslated_texts(english, translated, "id") == ["Good to know"]  # "Menu" is kept on purpose


def _existing(names: list[str]) -> list[str]:
    from django.urls import NoReverseMatch

    paths = []
    for name in names:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue
    return paths


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_contributor_and_annotator_pages_are_fully_translated(client, make_user, language):
    from accounts.roles import ANNOTATOR

    for roles, names in (((), CONTRIBUTOR_PAGES), ((ANNOTATOR,), ANNOTATOR_PAGES)):
        user = make_user(roles=roles)
        if roles:  # qualified as a passed screening test leaves an annotator (as tests/review do)
            from review.models import AnnotatorQualification

            AnnotatorQualification.objects.create(user=user, country_id="KH")
        client.force_login(user)
        for path in _existing(names):
            english = _render(client, path, "en")
            translated = _render(client, path, language)
            left = untranslated_texts(english, translated, language)
            assert not left, f"{path} in {language}: {left}"
