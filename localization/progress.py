"""Reads: how far people have checked each language's drafts, for the rows of the Translations page.

A string is checked when it is translated and no longer `fuzzy`. The repository's catalogs are the
drafts; the catalog in force (an organizer's upload, when there is one) is compared with them entry by
entry (msgctxt and msgid), so the page tells the strings a person checked since the drafts, and among
those the ones they corrected (the text changed) from the ones they confirmed as written.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polib

from localization.selectors import (
    catalog_current_path,
    catalog_entry_has_translation,
    catalog_entry_is_unchecked,
    catalog_languages,
    catalog_path,
)

LISTED_ENTRIES = 50


@dataclass(frozen=True)
class CatalogProgress:
    language: str
    checked: int  # translated and not fuzzy, in the catalog in force
    checked_since_drafts: int  # of those, still a draft (fuzzy or empty) in the repository's catalog
    corrected: int  # of those, with a text other than the draft's
    recently_checked: tuple[str, ...]  # the msgids checked since the drafts (at most LISTED_ENTRIES)

    @property
    def confirmed(self) -> int:
        return self.checked_since_drafts - self.corrected


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def _text(entry: polib.POEntry) -> tuple:
    return (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))


def _is_checked(entry: polib.POEntry) -> bool:
    return catalog_entry_has_translation(entry) and not catalog_entry_is_unchecked(entry)


def catalog_progress_between(
    *, language: str, current: polib.POFile, drafts: polib.POFile
) -> CatalogProgress:
    draft_by_key = {_key(entry): entry for entry in drafts if not entry.obsolete}
    checked = since = corrected = 0
    recent: list[str] = []
    for entry in current:
        if entry.obsolete or not _is_checked(entry):
            continue
        checked += 1
        draft = draft_by_key.get(_key(entry))
        if draft is not None and _is_checked(draft):
            continue  # already checked in the repository's catalog
        since += 1
        if draft is None or _text(draft) != _text(entry):
            corrected += 1
        if len(recent) < LISTED_ENTRIES:
            recent.append(entry.msgid)
    return CatalogProgress(
        language=language,
        checked=checked,
        checked_since_drafts=since,
        corrected=corrected,
        recently_checked=tuple(recent),
    )


@lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> polib.POFile:
    return polib.pofile(path)


def _pofile(path: Path) -> polib.POFile:
    """A catalog parsed once per version of its file (parsing one takes about a quarter of a second)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return polib.POFile()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


def catalog_progress(*, language: str) -> CatalogProgress:
    current_path, drafts_path = catalog_current_path(language=language), catalog_path(language=language)
    current = _pofile(current_path)
    drafts = current if current_path == drafts_path else _pofile(drafts_path)
    return catalog_progress_between(language=language, current=current, drafts=drafts)


def catalogs_progress() -> dict[str, CatalogProgress]:
    return {language: catalog_progress(language=language) for language in catalog_languages()}
