"""Reads: the portal's languages and their translation catalogs (`.po` files under LOCALE_PATHS)."""

from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation import get_language_info, to_locale

SOURCE_LANGUAGE = "en"
# A draft no translator has checked yet carries the standard gettext `fuzzy` flag: PO editors (Poedit,
# Weblate, Lokalize, Virtaal) list such entries as "needs work", and the portal still shows them
# (catalogs are compiled with --use-fuzzy) so users get the draft rather than English.
UNCHECKED_FLAG = "fuzzy"


@dataclass(frozen=True)
class CatalogStats:
    language: str
    name: str
    name_local: str
    total: int
    checked: int
    unchecked: int
    untranslated: int


def catalog_languages() -> list[str]:
    """The languages that have a catalog: every portal language but the source language (English)."""
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def catalog_path(*, language: str, root: Path | None = None) -> Path:
    root = Path(root or settings.BASE_DIR / "locale")
    return root / to_locale(language) / "LC_MESSAGES" / "django.po"


def catalog_current_path(*, language: str) -> Path:
    """The catalog in force: an uploaded one when organizers replaced it, else the repository's."""
    uploaded = catalog_path(language=language, root=settings.TRANSLATION_UPLOAD_ROOT)
    return uploaded if uploaded.exists() else catalog_path(language=language)


def catalog_entry_is_unchecked(entry: polib.POEntry) -> bool:
    return UNCHECKED_FLAG in entry.flags


def catalog_entry_has_translation(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr) or any(entry.msgstr_plural.values())


def catalog_stats(*, language: str) -> CatalogStats:
    path = catalog_current_path(language=language)
    entries = [e for e in polib.pofile(str(path)) if not e.obsolete] if path.exists() else []
    translated = [e for e in entries if catalog_entry_has_translation(e)]
    unchecked = [e for e in translated if catalog_entry_is_unchecked(e)]
    info = get_language_info(language)
    return CatalogStats(
        language=language,
        name=info["name_translated"],
        name_local=info["name_local"],
        total=len(entries),
        checked=len(translated) - len(unchecked),
        unchecked=len(unchecked),
        untranslated=len(entries) - len(translated),
    )


def catalogs_stats() -> list[CatalogStats]:
    return [catalog_stats(language=language) for language in catalog_languages()]
