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

from django.utils.translation import gettext, gettext_noop

# What a contributor reads for each outcome of the worker's check (contributions.pipeline).
CHECK_MESSAGES = {
    "unsupported_type": gettext_noop("This file is not a JPEG, PNG, WebP or HEIC photo."),
    "animated": gettext_noop("Animated images are not accepted: upload a still photo."),
    "too_large": gettext_noop("This file is larger than 25 MB. Please upload a smaller photo."),
    "too_many_pixels": gettext_noop(
        "This photo has too many pixels (more than 120 megapixels). Please upload a smaller one."
    ),
    "corrupt": gettext_noop(
        "This photo could not be read: the file is damaged or incomplete. Please upload it again."
    ),
    "too_small": gettext_noop("This photo is too small: its shorter side must be at least %(px)s pixels."),
    "too_blurry": gettext_noop("This photo is too blurry. Please upload a sharper photo."),
    "duplicate": gettext_noop("This exact photo was already submitted."),
    "near_duplicate": gettext_noop("This photo is very similar to one already submitted."),
    "check_failed": gettext_noop(
        "We could not process this photo after several tries. Please try another file or contact us."
    ),
    "file_missing": gettext_noop(
        "The uploaded file was lost before it could be checked. Please upload it again."
    ),
}

# What a contributor reads for each reason the review gives (the consensus's rejections, and an
# organizer's upheld flag keyed by the review app's Flag values).
REVIEW_MESSAGES = {
    "low_cultural_relevance": gettext_noop(
        "Annotators found the image not clearly related to the stated culture."
    ),
    "caption_mismatch": gettext_noop("Annotators found that the description does not fit the image."),
    "low_quality": gettext_noop(
        "Annotators found the image quality not acceptable (blurry, dark or obstructed)."
    ),
    "not_own_photo": gettext_noop("An organizer found that the photo is not the contributor's own."),
    "watermark": gettext_noop("An organizer found a watermark or logo on the image."),
    "personal_data": gettext_noop("An organizer found personal data on the image."),
    "unsafe": gettext_noop("An organizer found the image unsafe or offensive."),
}

# Every reason an image can carry, by its code: msgids, translated when shown (reason_text).
REASON_MESSAGES = {**CHECK_MESSAGES, **REVIEW_MESSAGES}


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
