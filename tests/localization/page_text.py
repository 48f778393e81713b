"""What a page says: its visible text and the attributes people see or hear, for comparing languages."""

import re
from html.parser import HTMLParser

import polib
import pytest
from django.utils import translation

from localization.selectors import catalog_path

ALLOWED_WORDS = ("SEA-VL", "SEACrowd", "CC-BY-SA", "arXiv", "Discord", "API", "ACL")
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
SKIPPED = {"script", "style", "code", "kbd", "samp", "pre"}


class _PageText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skip_depth = 0
        self.in_switcher = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in SKIPPED:
            self.skip_depth += 1
        if tag == "form" and "language-switch" in (attributes.get("class") or ""):
            self.in_switcher = 1  # the language names are written in their own language, on purpose
        for name, value in attrs:
            button_value = name == "value" and attributes.get("type") in {"submit", "button"}
            if (name in VISIBLE_ATTRIBUTES or button_value) and value and not self.in_switcher:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skip_depth:
            self.skip_depth -= 1
        if tag == "form" and self.in_switcher:
            self.in_switcher = 0

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.skip_depth and not self.in_switcher:
            self.texts.append(text)


def page_texts(html: str) -> list[str]:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    return parser.texts


def kept_as_is(language: str) -> list[str]:
    """Strings the language's catalog deliberately leaves identical to English (Menu, FAQ, Email...)."""
    po = polib.pofile(str(catalog_path(language=language)))
    return sorted(
        {entry.msgstr for entry in po if entry.msgstr and entry.msgstr == entry.msgid and not entry.obsolete},
        key=len,
        reverse=True,
    )


def untranslated_texts(english_html: str, translated_html: str, language: str) -> list[str]:
    """The untranslated marker: a text of the English page that shows unchanged on the translated page,
    unless the catalog keeps it as is on purpose, or it is a brand name, a number or an ISO code."""
    translated = set(page_texts(translated_html))
    kept = kept_as_is(language)
    leftovers = []
    for text in dict.fromkeys(page_texts(english_html)):
        if text not in translated:
            continue
        rest = text
        # Whole kept strings first: "Discord handle" is kept as is in Filipino, and would not be found
        # once its brand name "Discord" is taken out.
        for word in (*kept, *ALLOWED_WORDS):
            rest = rest.replace(word, " ")
        rest = re.sub(r"\([a-z]{2,3}\)", " ", rest)  # "(ind)": ISO 639-3 codes
        if any(ch.isalpha() for ch in rest):
            leftovers.append(text)
    return leftovers


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A test-client request activates the language it asked for in this thread, and Django leaves it
    active after the response: put the default back, so later tests in this worker read English.
    (Imported by the test modules that make requests; a conftest.py here would shadow others' imports.)"""
    yield
    translation.deactivate()
