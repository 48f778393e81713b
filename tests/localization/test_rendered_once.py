"""`{% rendered_once %}`: markup rendered once per process for the language, the time zone and the values it
names, then copied; rendered afresh after the catalogs are reloaded; never around a block or a CSRF token."""

import pytest
from django.template import TemplateSyntaxError, engines
from django.utils import timezone, translation

from localization.fragments import fragments_forget
from localization.services import translations_reload


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load portal_i18n %}" + source).render(context)


def test_a_fragment_is_copied_for_the_same_language_zone_and_values():
    template = engines["django"].from_string(
        "{% load portal_i18n %}{% rendered_once role %}{{ role }} {{ name }}{% endrendered_once %}"
    )
    assert template.render({"role": "organizer", "name": "Ana"}) == "organizer Ana"
    # Same key: the copy (a value it does not name is not looked at again; whatever differs is named).
    assert template.render({"role": "organizer", "name": "Budi"}) == "organizer Ana"
    assert template.render({"role": "contributor", "name": "Budi"}) == "contributor Budi"
    with translation.override("th"):
        assert template.render({"role": "organizer", "name": "Citra"}) == "organizer Citra"
    with timezone.override("Europe/Paris"):
        assert template.render({"role": "organizer", "name": "Dewi"}) == "organizer Dewi"

    fragments_forget()
    assert template.render({"role": "organizer", "name": "Eka"}) == "organizer Eka"
    translations_reload()  # a catalog applied in this process: every copy made before is dropped
    assert template.render({"role": "organizer", "name": "Fajar"}) == "organizer Fajar"


def test_a_fragment_follows_the_language_it_is_rendered_in():
    template = engines["django"].from_string(
        '{% load i18n portal_i18n %}{% rendered_once %}{% translate "Language" %}{% endrendered_once %}'
    )
    with translation.override("en"):
        assert template.render({}) == "Language"
    with translation.override("id"):
        assert template.render({}) == translation.gettext("Language") != "Language"
    with translation.override("en"):
        assert template.render({}) == "Language"


@pytest.mark.parametrize(
    "inside",
    ["{% block content %}{% endblock %}", "{% csrf_token %}", "{% if x %}{% csrf_token %}{% endif %}"],
)
def test_a_block_or_a_csrf_token_inside_is_refused(inside):
    with pytest.raises(TemplateSyntaxError, match="rendered_once"):
        render("{% rendered_once %}" + inside + "{% endrendered_once %}")


def test_a_shell_is_the_page_with_each_requests_own_values_where_its_holes_were():
    from localization.fragments import Shell, hole

    template = engines["django"].from_string(
        '<a href="?next={{ path }}" title="{{ path }}">{{ name }}</a><input value="{{ token }}">{{ path }}'
    )
    markup = template.render({"path": hole("path"), "token": hole("token"), "name": "A & B"})
    shell = Shell.of(markup)
    assert shell.holes == ("path", "path", "token", "path")  # autoescaping left every mark as it was
    filled = shell.fill({"path": "/x/?a=1&amp;b=2", "token": "abc123"})
    assert filled == template.render({"path": "/x/?a=1&b=2", "token": "abc123", "name": "A & B"})
    assert "seavlhole" not in filled
    with pytest.raises(KeyError):
        shell.fill({"path": "/"})  # a hole without its value: never a page with a mark left in it
    assert Shell.of("no holes").fill({}) == "no holes"
    for bad in ("Path", "a-b", "", "x1"):
        with pytest.raises(ValueError):
            hole(bad)
