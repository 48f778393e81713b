"""Each campaign language renders the contributor pages with nothing left in English (see
page_text.untranslated_texts for the exact marker)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.localization.page_text import page_texts, untranslated_texts

LANGUAGES = ["id", "th", "vi", "ms", "fil", "km", "lo", "my", "tet", "ta", "zh-hans"]
ANONYMOUS_PAGES = ["/", "/faq/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/", "/profile/"]


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
