"""`make test` fails when a template shows text that cannot be translated, or a Python view flashes a
message that does not go through gettext."""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template.base import Lexer, TokenType

# Words that stay as they are in every language.
ALLOWED_WORDS = {"SEA-VL", "SEACrowd", "CC-BY-SA", "arXiv", "Discord", "API", "Poedit", "sha256"}
# Attributes whose values people see or hear (value only on buttons).
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Elements whose content is code, not prose.
LITERAL_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre"}
HOLE = "\ue000"  # stands for a template tag or variable (already translated, or data)
TRANSLATION_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim", **TRANSLATION_BLOCKS}


def template_dirs() -> list[Path]:
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts and (path / "templates").is_dir():
            dirs.append(path / "templates")
    return dirs


def template_files() -> list[Path]:
    files = []
    for directory in template_dirs():
        files += [p for p in directory.rglob("*") if p.is_file() and p.suffix in {".html", ".txt", ".xml"}]
    return sorted(set(files))


def _text_with_holes(source: str) -> str:
    """The template's literal text, with every tag/variable (and translated block) replaced by HOLE."""
    pieces, closing = [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            pieces.append(HOLE + "\n" * token.contents.count("\n"))
            continue
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            closing = SKIPPED_BLOCKS.get(name)
        pieces.append(HOLE + "\n" * token.contents.count("\n"))
    return "".join(pieces)


def _is_visible_words(text: str) -> bool:
    text = text.replace(HOLE, " ")
    for word in ALLOWED_WORDS:
        text = text.replace(word, " ")
    return any(ch.isalpha() for ch in text)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.literal_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in LITERAL_ELEMENTS:
            self.literal_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            # A <button>'s value is sent, not shown; an <input type=submit>'s value is its label.
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in BUTTON_INPUT_TYPES
            )
            if visible and value and _is_visible_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in LITERAL_ELEMENTS:
            self.literal_depth -= 1

    def handle_endtag(self, tag):
        if tag in LITERAL_ELEMENTS and self.literal_depth:
            self.literal_depth -= 1

    def handle_data(self, data):
        if not self.literal_depth and _is_visible_words(data):
            self.found.append((self.getpos()[0], " ".join(data.replace(HOLE, "…").split())))


def untranslatable_strings(source: str) -> list[tuple[int, str]]:
    parser = _VisibleText()
    parser.feed(_text_with_holes(source))
    parser.close()
    return parser.found


def test_the_checker_finds_what_it_should():
    source = """{% load i18n %}<h1>Welcome</h1><p>{% translate "Fine" %}</p>
    <img alt="A photo" src="x.png"><input type="submit" value="Send"><input type="hidden" value="token">
    <p>{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %} · 12 &nbsp; {{ value }} SEA-VL</p>
    {# a comment #}{% comment %}not shown{% endcomment %}<code>Authorization: Bearer</code>
    <button aria-label="{% translate 'Close' %}" name="action" value="close">×</button><span title="Stop">!</span>"""
    found = [text for _line, text in untranslatable_strings(source)]
    assert found == ["Welcome", 'alt="A photo"', 'value="Send"', 'title="Stop"']


def test_every_template_string_is_translatable():
    files = template_files()
    assert any(p.name == "base.html" for p in files), "the walk must reach templates/base.html"
    problems = []
    for path in files:
        for line, text in untranslatable_strings(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {text}")
    assert not problems, "Text outside {% translate %}/{% blocktranslate %}:\n" + "\n".join(problems)


FLASH_WITHOUT_GETTEXT = re.compile(
    r"messages\.(?:success|error|warning|info|debug)\(\s*request\s*,\s*f?[\"']"
)
RAISE_WITH_LITERAL = re.compile(
    r"raise\s+(?:DomainError|TaskNotOpen|ProfileIncomplete|NotAllowed|NotFound|Conflict|ValidationError)"
    r"\(\s*f?[\"']"
)


def test_python_messages_go_through_gettext():
    """A flashed message or a domain error a user reads is written `_("...")`, never a bare literal."""
    base = Path(settings.BASE_DIR)
    problems = []
    skipped = {"tests", "bench", "staticfiles", "media", "locale", "node_modules", "test-artifacts"}
    top = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in skipped]
    for path in sorted(p for directory in top for p in directory.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FLASH_WITHOUT_GETTEXT.search(line) or RAISE_WITH_LITERAL.search(line):
                problems.append(f"{path.relative_to(base)}:{number}: {line.strip()}")
    assert not problems, "Messages users read must be wrapped in gettext:\n" + "\n".join(problems)
