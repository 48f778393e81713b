"""The portal speaks the user's language: Accept-Language first, then the switcher's choice, which is
remembered in a cookie and, for a signed-in user, on the profile (brought back at the next sign-in)."""

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Profile
from tests.conftest import DEFAULT_PASSWORD
from tests.localization.page_text import _back_to_the_default_language  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_is_the_first_guess(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="km-KH,km;q=0.9,en;q=0.5")
    assert _lang(response) == "km"
    assert "ភាសា" in response.content.decode()  # the switcher's label, in Khmer
    # A language Django itself does not know (Filipino) is still matched.
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="fil-PH,fil;q=0.9")) == "fil"
    # A language outside the campaign's falls back to English.
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de")) == "en"


@pytest.mark.parametrize("accept", ["tl", "tl-PH", "tl-PH,tl;q=0.9,en;q=0.5", "TL-ph"])
def test_tagalog_is_answered_in_filipino(client, accept):
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE=accept)) == "fil"


def test_the_switcher_is_on_every_page_and_works_without_javascript(client):
    html = client.get("/faq/").content.decode()
    assert f'action="{reverse("localization:set-language")}"' in html
    assert 'name="language"' in html and 'value="tet"' in html and ">Tetun<" in html
    assert 'type="submit"' in html  # the plain form submits


def test_switcher_remembers_an_anonymous_choice_in_a_cookie(client):
    response = client.post(
        reverse("localization:set-language"), {"language": "lo", "next": "/faq/"}, HTTP_ACCEPT_LANGUAGE="th"
    )
    assert response.status_code == 302 and response["Location"] == "/faq/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "lo" and int(cookie["max-age"]) >= 300 * 24 * 3600
    # The cookie beats Accept-Language from then on.
    assert _lang(client.get("/faq/", HTTP_ACCEPT_LANGUAGE="th")) == "lo"


def test_switcher_rejects_an_unknown_language_and_a_foreign_next(client):
    response = client.post(
        reverse("localization:set-language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_signed_in_choice_is_saved_on_the_profile_and_applied_at_the_next_sign_in(client, contributor):
    client.force_login(contributor)
    client.post(reverse("localization:set-language"), {"language": "my", "next": "/"})
    assert Profile.objects.get(user=contributor).preferred_language == "my"

    # A new device: no cookie, an English browser. Signing in brings Burmese back.
    client.logout()
    client.cookies.clear()
    response = client.post(
        reverse("account_login"),
        {"login": contributor.email, "password": DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "my"
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="en")) == "my"


def test_sign_in_without_a_saved_language_keeps_the_browser_guess(client, contributor):
    response = client.post(
        reverse("account_login"),
        {"login": contributor.email, "password": DEFAULT_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="vi")) == "vi"
