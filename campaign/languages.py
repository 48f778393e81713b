"""Turning what people type for a language into the campaign's `Name (code)` form."""

import re
from dataclasses import dataclass

from campaign.reference import (
    LANGUAGE_ALIASES,
    LANGUAGES,
    OTHER_LANGUAGE_ALIASES,
    OTHER_LANGUAGES,
)

_CAMPAIGN_NAMES = {code: name for code, name, _country in LANGUAGES}
_KNOWN_NAMES = {**OTHER_LANGUAGES, **_CAMPAIGN_NAMES}
_ALIASES = {**OTHER_LANGUAGE_ALIASES, **LANGUAGE_ALIASES}
_LABEL = re.compile(r"^\s*(?P<name>[^()]*?)\s*\(\s*(?P<code>[A-Za-z]{2,3})\s*\)\s*$")
UNDETERMINED = "und"


@dataclass(frozen=True)
class NormalisedLanguage:
    name: str
    code: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def _lookup(token: str) -> str | None:
    token = token.strip().lower()
    if token in _KNOWN_NAMES:
        return token
    return _ALIASES.get(token)


def normalise_language(text: str) -> NormalisedLanguage | None:
    """`Indonesian (ind)`, `ind`, `indonesian`, `Myanmar (mm)`, `chinese` -> name and ISO 639-3 code.

    Free text that names no language we know keeps its name with the code `und` (undetermined), so
    nothing a contributor wrote is lost. Returns None for empty text.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    match = _LABEL.match(text)
    if match:
        name, code = match.group("name"), match.group("code")
        known = _lookup(code) or _lookup(name)
        if known:
            return NormalisedLanguage(_KNOWN_NAMES[known], known)
        if len(code) == 3:
            return NormalisedLanguage(name.strip()[:64] or code.lower(), code.lower())
        return NormalisedLanguage(name.strip()[:64] or text[:64], UNDETERMINED)
    known = _lookup(text)
    if known:
        return NormalisedLanguage(_KNOWN_NAMES[known], known)
    return NormalisedLanguage(text[:64].title(), UNDETERMINED)
