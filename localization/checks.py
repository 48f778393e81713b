"""Pure checks of one catalog entry: a translation keeps the original's HTML and placeholders.

Templates render a translation as it is (`{% blocktranslate %}` escapes the variables, not the text), so
a translation may hold only the tags of its msgid, with the same attributes: otherwise an uploaded
catalog could put a live `<img onerror=…>` or `<script>` on every page.
"""

import re
from collections import Counter
from html.parser import HTMLParser

import polib

NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)")

Tag = tuple[str, str, tuple[tuple[str, str | None], ...]]


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        # Character references stay as they are: "&lt;" is text, not a tag.
        super().__init__(convert_charrefs=False)
        self.tags: Counter[Tag] = Counter()
        self.stray_brackets = 0

    def _tag(self, kind: str, tag: str, attrs) -> None:
        self.tags[(kind, tag, tuple(sorted(attrs, key=lambda a: (a[0], a[1] or ""))))] += 1

    def handle_starttag(self, tag, attrs):
        self._tag("start", tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag("start", tag, attrs)  # <br/> and <br> are the same tag

    def handle_endtag(self, tag):
        self._tag("end", tag, ())

    def handle_comment(self, data):
        self._tag("comment", data, ())

    def handle_decl(self, decl):
        self._tag("decl", decl, ())

    def unknown_decl(self, data):
        self._tag("decl", data, ())

    def handle_pi(self, data):
        self._tag("pi", data, ())

    def handle_data(self, data):
        # A "<" the parser could not read as a tag (an unclosed "<img src=x onerror=…" at the end of the
        # text) would open a tag in the page, where the template's own markup follows it.
        self.stray_brackets += data.count("<")


def html_markup(text: str) -> tuple[Counter[Tag], int]:
    """The multiset of tags (with their attributes) in a text, and its "<" that are not tags."""
    parser = _TagCollector()
    parser.feed(text)
    parser.close()
    return parser.tags, parser.stray_brackets


def named_placeholders(text: str) -> set[str]:
    return set(NAMED_PLACEHOLDER.findall(text.replace("%%", "")))


def entry_problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with an entry's translations: "markup" and/or "placeholders" (empty when fine)."""
    translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
    translations = [text for text in translations if text]
    originals = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
    allowed_markup = [html_markup(text) for text in originals]
    problems = []
    if any(html_markup(text) not in allowed_markup for text in translations):
        problems.append("markup")
    names = set().union(*(named_placeholders(text) for text in originals))
    if entry.msgid_plural:
        # A plural form may leave out the count ("One image"), never add a name the code doesn't pass.
        wrong = any(not named_placeholders(text) <= names for text in translations)
    else:
        wrong = any(named_placeholders(text) != names for text in translations)
    if wrong:
        problems.append("placeholders")
    return problems
