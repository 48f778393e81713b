"""Messages kept untranslated: a msgid and its parameters, put into words when they are read.

A message written by one person's request or by a worker and read later by someone else (a bulk row's
refusal, an image's rejection) is stored as its msgid (English, with ``%(name)s`` placeholders) and
its parameters, and translated each time it is shown, in the reader's language. The parameters are
shown for the reader too: a number in the language's format (2.000 in Indonesian), a language or a
country named by its code in the language's words (``language_param``, ``country_param``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from campaign.reference import COUNTRIES, LANGUAGES, OTHER_LANGUAGES

_COUNTRY_NAMES = {code: name for code, name, _group in COUNTRIES}
_LANGUAGE_NAMES = {**OTHER_LANGUAGES, **{code: name for code, name, _country in LANGUAGES}}


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural msgid for `makemessages` (keyword `ngettext_noop:1,2`), untranslated."""
    return singular, plural


def language_param(code: str, name: str) -> dict:
    """A language as a parameter: its ISO 639-3 code, and the name it came with (for codes we lack)."""
    return {"language": code, "name": name}


def country_param(code: str) -> dict:
    return {"country": code}


def text_param(msgid: str, *, capitalised: bool = False) -> dict:
    """A word of the portal's own as a parameter (a field's label), translated with the sentence."""
    return {"msgid": msgid, "capitalised": capitalised}


@dataclass(frozen=True)
class Message:
    """A msgid (or a singular and plural pair, counted by ``params["n"]``) and its parameters.

    ``str()`` gives it in the active language; ``stored(code)`` is the JSON to keep for later readers.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str = ""

    @classmethod
    def of(cls, msgid: str | tuple[str, str], **params: Any) -> Message:
        if isinstance(msgid, tuple):
            return cls(msgid[0], params, plural=msgid[1])
        return cls(msgid, params)

    def __str__(self) -> str:
        return message_text(self.msgid, self.params, plural=self.plural)

    def stored(self, code: str) -> dict:
        item: dict[str, Any] = {"code": str(code), "message": self.msgid, "params": dict(self.params)}
        if self.plural:
            item["plural"] = self.plural
        return item


def message_text(msgid: str, params: Mapping[str, Any] | None = None, *, plural: str = "") -> str:
    """A msgid in the active language, its placeholders filled with the parameters shown for the reader.

    A translation that lost or mistyped a placeholder falls back to the English, never to an error."""
    if not msgid:
        return ""  # gettext("") would return the catalog's header
    if plural:
        count = (params or {}).get("n", 1)
        text = ngettext(msgid, plural, count if isinstance(count, int) else 1)
        fallback = msgid if count == 1 else plural
    else:
        text, fallback = gettext(msgid), msgid
    if not params or not isinstance(params, Mapping):
        return text
    shown = {name: param_text(value) for name, value in params.items()}
    for template in (text, fallback):
        try:
            return template % shown
        except (KeyError, ValueError, TypeError):
            continue
    return fallback


def param_text(value: Any) -> str:
    """One parameter as the reader reads it: numbers in their format, languages and countries named."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, Mapping):
        if "msgid" in value:
            text = gettext(str(value["msgid"]))
            return capfirst(text) if value.get("capitalised") else text
        if "country" in value:
            code = str(value["country"])
            return gettext(_COUNTRY_NAMES[code]) if code in _COUNTRY_NAMES else code
        if "language" in value:
            code, name = str(value["language"]), str(value.get("name") or value["language"])
            return gettext(_LANGUAGE_NAMES[code]) if code in _LANGUAGE_NAMES else name
    if isinstance(value, list | tuple):
        return ", ".join(param_text(item) for item in value)
    return str(value)
