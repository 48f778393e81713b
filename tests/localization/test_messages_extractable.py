"""Every message marked in Python reaches the catalogs.

`make messages` runs xgettext, which does not read inside f-strings: a `_("...")` written in an f-string's
braces is translated at run time from whatever the catalogs hold, but never extracted, so a message new
there never reaches the translators, and one moved there drops out of every catalog with its drafts at the
next `make messages` (the leaderboard's badges did).
"""

import ast
from pathlib import Path

from django.conf import settings

MARKERS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
# What makemessages is told to ignore (Makefile), and code that carries no user-facing messages.
NOT_EXTRACTED = {".venv", "tests", "bench", "staticfiles", "node_modules", "migrations"}


def _marked_inside_f_strings(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    name = getattr(inner.func, "id", None) or getattr(inner.func, "attr", None)
                    if name in MARKERS:
                        lines.append(inner.lineno)
    return lines


def test_the_check_sees_a_message_marked_inside_an_f_string():
    assert _marked_inside_f_strings("x = f\"<b>{_('Co-author')}</b>\"") == [1]
    assert _marked_inside_f_strings('label = _("Co-author")\nx = f"<b>{label}</b>"') == []


def test_no_message_is_marked_inside_an_f_string():
    root = Path(settings.BASE_DIR)
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if NOT_EXTRACTED.intersection(relative.parts):
            continue
        found += [f"{relative}:{line}" for line in _marked_inside_f_strings(path.read_text(encoding="utf-8"))]
    assert found == [], "messages xgettext cannot extract (mark them outside the f-string): " + ", ".join(
        found
    )
