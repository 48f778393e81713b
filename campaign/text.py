"""Rules about text that every way in shares: the CSV parser of the bulk import, the image service and
the text tasks' checks. Pure functions, no database, no other app."""

import re

# Control characters a form, a CSV or an API body may carry and no page should show: all C0 controls
# but tab, line feed and carriage return, and DEL (PostgreSQL also refuses NUL in text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# After `+`, `-` or `@` only a function call (`+HYPERLINK(`, `@SUM(`) or a DDE link (`-cmd|' /C calc'!A0`)
# counts: `-5 degrees`, `+62 812...` and `@home` are text.
_SIGNED_FORMULA = re.compile(r"^[+\-@]+(?:[A-Za-z_][\w.]*\(|[^|\s]*\|.*!)")


def strip_control_characters(text: str) -> str:
    """The text without control characters (tabs and line breaks are kept)."""
    return CONTROL_CHARACTERS.sub("", text)


def looks_like_formula(text: str, *, signed: bool = False) -> bool:
    """A text a spreadsheet would run rather than show.

    A leading `=` (`=cmd()`, `=HYPERLINK(...)`) is always a formula: the bulk import's CSV and the image
    descriptions refuse it. With ``signed``, a leading `+`, `-` or `@` followed by a function call or a
    DDE link (`+SUM(A1)`, `-cmd|' /C calc'!A0`) is one too: the text tasks refuse those as well.
    """
    text = (text or "").lstrip()
    return text.startswith("=") or (signed and bool(_SIGNED_FORMULA.match(text)))
