"""Rejection reasons of an image: stored untranslated, shown in the reader's language.

An image's ``rejection_reasons`` is a list of reasons, each ``{"code", "message", "params"}``:
``message`` is the msgid (English, with ``%(name)s`` placeholders) and ``params`` the values to put
in them, so the text is translated when it is read (by the contributor, in their language) and not
when it is written (by a worker, in no particular language). An organizer's own words, which are
never translated, go in ``note`` and follow the message.

Rows written before this have ``{"code", "message"}`` with the English text already filled in; they
are shown as they always were (the message through gettext).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext


def rejection_reason(
    code: str, message: str, params: Mapping[str, Any] | None = None, *, note: str = ""
) -> dict:
    """One reason to store: ``message`` is a msgid (mark it with gettext_noop), never translated text."""
    item: dict[str, Any] = {"code": str(code), "message": str(message), "params": dict(params or {})}
    if note:
        item["note"] = str(note)
    return item


def reason_text(item: Mapping[str, Any]) -> str:
    """A stored reason as the reader sees it, in the active language."""
    message = str(item.get("message") or "")
    text = gettext(message) if message else ""  # gettext("") would return the catalog's header
    params = item.get("params")
    if params and isinstance(params, Mapping):
        text = _interpolate(text, params, fallback=message)
    note = str(item.get("note") or "").strip()
    return f"{text} {note}" if text and note else text or note


def _interpolate(text: str, params: Mapping[str, Any], *, fallback: str) -> str:
    for template in (text, fallback):
        try:
            return template % dict(params)
        except (KeyError, ValueError, TypeError):  # a translation that lost or mistyped a placeholder
            continue
    return fallback


def reasons_text(reasons: Any) -> list[dict]:
    """``[{"code", "message"}]`` with each message shown in the active language (for the API)."""
    return [
        {"code": str(item.get("code", "")), "message": reason_text(item)}
        for item in reasons or []
        if isinstance(item, Mapping)
    ]
