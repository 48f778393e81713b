"""A Task 3 language that has all its translators is shown on the enrolment page but cannot be chosen."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_a_full_language_is_marked_and_cannot_be_chosen(client, make_user, translator, settings):
    from texttasks.selectors import translators_per_language

    for _n in range(translators_per_language()):
        translator("tha")
    client.force_login(make_user())

    page = client.get("/translations/").content.decode()

    options = dict(re.findall(r'<option value="(\w+)"([^>]*>[^<]*)</option>', page))
    assert "disabled" in options["tha"] and "(full)" in options["tha"], options
    others = [text for code, text in options.items() if code != "tha"]
    assert others and not any("disabled" in text or "(full)" in text for text in others), options
