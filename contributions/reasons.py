"""Rejection reasons of an image: stored untranslated, shown in the reader's language.

An image's ``rejection_reasons`` is a list of reasons, each ``{"code", "message", "params"}``:
``message`` is the msgid (English, with ``%(name)s`` placeholders) and ``params`` the values to put
in them, so the text is translated when it is read (by the contributor, in their language) and not
when it is written (by a worker, in no particular language). An organizer's own words, which are
never translated, go in ``note`` and follow the message.

Rows written before this have ``{"code", "message"}`` with the English text already filled in; they
are shown as they always were (the message through gettext).

A bulk import row's refusal is kept the same way (``BulkImportRow.reasons``, the messages of
``BULK_ROW_MESSAGES`` or of the domain error the image service raised), so the contributor reads it in
the language they read the page in, whatever language the import ran in. Rows refused before that
keep the text they were written with (``legacy_reason``), shown as written.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop

from campaign.messages import Message, message_text, ngettext_noop

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

# Why a bulk import's row was not imported, by its code (the image service's own refusals come with
# theirs): from the CSV (contributions.bulk.parser), the ZIP (contributions.bulk.archive, .services)
# and the background processing (contributions.bulk.processing).
BULK_ROW_MESSAGES: dict[str, str | tuple[str, str]] = {
    "csv_row_width": gettext_noop(
        "The row has %(count)s fields but the header has %(width)s: check the quotes around text with commas."
    ),
    "no_image": gettext_noop("The “image” column is empty."),
    "formula": gettext_noop(
        "%(columns)s starts with “=”: a spreadsheet formula, not a description. Write the text itself."
    ),
    "no_description": gettext_noop("The English description (text_cap_en) is empty."),
    "unknown_country": ngettext_noop(
        "Unknown country: %(names)s. Use the names of the 11 countries, e.g. Indonesia, Viet Nam.",
        "Unknown countries: %(names)s. Use the names of the 11 countries, e.g. Indonesia, Viet Nam.",
    ),
    "no_country": gettext_noop("No country given (text_culture_loc): name at least one of the 11."),
    "repeated_file": gettext_noop("The file %(name)s is already used by row %(row)s."),
    "file_missing": gettext_noop("The archive has no file named “%(name)s”."),
    "file_ambiguous": gettext_noop(
        "The archive has several files named “%(name)s” in different folders: rename them."
    ),
    "file_too_large": gettext_noop("The file is larger than %(max)s MB once unpacked."),
    "zip_bomb": gettext_noop("The file unpacks to more than its declared size: refused."),
    "unsupported_compression": gettext_noop(
        "The file is packed with a compression method the portal cannot read; use plain ZIP."
    ),
    "corrupt_member": gettext_noop("The file is damaged inside the archive."),
    "processing_failed": gettext_noop("This image could not be processed after several tries."),
    "archive_missing": gettext_noop("The uploaded archive is no longer available."),
}


def bulk_row_message(code: str, **params: Any) -> Message:
    """The message of a bulk row's refusal (``params["n"]`` counts the plural ones)."""
    return Message.of(BULK_ROW_MESSAGES[code], **params)


def ignored_file_reason_text(item: Any) -> str:
    """Why a file of a bulk archive was set aside, in the active language (a msgid; text stored before
    is not one and comes back as written)."""
    reason = str(item.get("reason") or "") if isinstance(item, Mapping) else ""
    return gettext(reason) if reason else ""


def bulk_warning_text(item: Any) -> str:
    """A bulk import's warning in the active language (text stored before: as written)."""
    return reason_text(item) if isinstance(item, Mapping) else str(item or "")


def bulk_row_reason_text(reasons: Any, legacy_reason: str = "") -> str:
    """A bulk row's refusal in the active language; a row refused before reasons were kept, as written."""
    texts = [reason_text(item) for item in reasons or [] if isinstance(item, Mapping)]
    return " ".join(text for text in texts if text) or legacy_reason


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
    params = item.get("params")
    text = message_text(
        str(item.get("message") or ""),
        params if isinstance(params, Mapping) else None,
        plural=str(item.get("plural") or ""),
    )
    note = str(item.get("note") or "").strip()
    return f"{text} {note}" if text and note else text or note


def reasons_text(reasons: Any) -> list[dict]:
    """``[{"code", "message"}]`` with each message shown in the active language (for the API)."""
    return [
        {"code": str(item.get("code", "")), "message": reason_text(item)}
        for item in reasons or []
        if isinstance(item, Mapping)
    ]
