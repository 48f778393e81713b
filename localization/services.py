"""Writes: organizers replace a language's catalog with a corrected one, without a developer.

An upload is merged into the catalog in force entry by entry (same msgctxt and msgid): translations and
the `fuzzy` (unchecked) flag come from the upload; entries it does not know are ignored, entries it lacks
(strings added since the export) are kept. The result must pass `msgfmt --check` before it replaces the
catalog; then it is stored in the database (`UploadedCatalog`, with a version), compiled into this
process's local TRANSLATION_UPLOAD_ROOT, and this process reloads its translations. Every other process
(other web nodes, gunicorn workers, Celery workers) sees the newer version at its next request or task
(`catalogs_sync_if_due`, a one-row-per-language check at most every CATALOG_SYNC_SECONDS), compiles it
into its own local directory and reloads: no restart, no shared disk.
"""

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.audit import audit
from campaign.errors import DomainError, NotFound
from localization.checks import entry_problems
from localization.fragments import fragments_forget
from localization.models import UploadedCatalog
from localization.selectors import (
    UNCHECKED_FLAG,
    catalog_current_path,
    catalog_languages,
    catalog_path,
)

logger = logging.getLogger(__name__)
MAX_CATALOG_BYTES = 2 * 1024 * 1024


class CatalogInvalid(DomainError):
    code = "catalog_invalid"


@dataclass(frozen=True)
class CatalogImport:
    language: str
    updated: int
    unchanged: int
    ignored: int
    path: Path


def _msgfmt(po_path: Path, mo_path: Path) -> None:
    """Compile with the checks Django's compilemessages does not run; unchecked drafts included."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise CatalogInvalid(_("The server cannot check catalogs: GNU gettext (msgfmt) is not installed."))
    result = subprocess.run(  # noqa: S603 - fixed program, file paths we created
        [msgfmt, "--check", "--use-fuzzy", "-o", str(mo_path), str(po_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        problems = result.stderr.replace(str(po_path), "django.po").strip().splitlines()[:10]
        raise CatalogInvalid(
            _("The catalog does not compile: %(problems)s") % {"problems": " ".join(problems)}
        )


def translations_reload() -> None:
    """Forget the loaded catalogs of this process, as Django's autoreloader does when a .mo changes."""
    import gettext

    from asgiref.local import Local
    from django.utils.translation import trans_real

    gettext._translations = {}
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    fragments_forget()  # the menus and filters rendered with the old catalogs


def _entry_key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


MAX_LISTED_PROBLEMS = 20


def _refuse_mismatched(refused: list[tuple[polib.POEntry, list[str]]]) -> None:
    """One line per refused entry, naming its msgid, so the translator finds each one in the editor."""
    if not refused:
        return
    lines = []
    for entry, problems in refused[:MAX_LISTED_PROBLEMS]:
        msgid = entry.msgid if len(entry.msgid) <= 80 else entry.msgid[:79] + "…"
        if "markup" in problems:
            lines.append(
                _(
                    "“%(msgid)s”: the translation must keep the HTML tags of the original, with the same attributes, and add none."
                )
                % {"msgid": msgid}
            )
        if "placeholders" in problems:
            lines.append(
                _("“%(msgid)s”: the translation must keep the placeholders of the original, and add none.")
                % {"msgid": msgid}
            )
    if len(refused) > MAX_LISTED_PROBLEMS:
        lines.append(_("And %(count)d more.") % {"count": len(refused) - MAX_LISTED_PROBLEMS})
    raise CatalogInvalid(
        _("The catalog is not applied; correct these translations and upload it again:")
        + " "
        + " ".join(lines)
    )


def catalog_import(*, language: str, content: bytes, uploaded_by=None) -> CatalogImport:
    if language not in catalog_languages():
        raise NotFound(_("There is no catalog for this language."))
    if len(content) > MAX_CATALOG_BYTES:
        raise CatalogInvalid(_("The file is larger than 2 MB: is it really a .po catalog?"))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CatalogInvalid(
            _("The file is not UTF-8 text: save the catalog as UTF-8 and upload it again.")
        ) from error
    try:
        uploaded = polib.pofile(text)
    except (OSError, ValueError) as error:
        raise CatalogInvalid(
            _("The file is not a valid .po catalog: %(error)s") % {"error": error}
        ) from error
    declared = (uploaded.metadata.get("Language") or "").strip().replace("_", "-").lower()
    if declared and declared != language.lower():
        raise CatalogInvalid(
            _("This catalog is for “%(declared)s”, not “%(language)s”.")
            % {"declared": declared, "language": language}
        )
    upload_by_key = {_entry_key(entry): entry for entry in uploaded if not entry.obsolete}
    if not upload_by_key:
        raise CatalogInvalid(_("The file has no translations in it."))

    target = catalog_path(language=language, root=settings.TRANSLATION_UPLOAD_ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    UploadedCatalog.objects.get_or_create(language=language)
    with transaction.atomic():
        # One upload of a language at a time, on every node; the others wait, then merge into its result.
        stored = UploadedCatalog.objects.select_for_update().get(language=language)
        if stored.version:
            _catalog_write_local(language=language, po_text=stored.po_text, version=stored.version)
        current = polib.pofile(str(catalog_current_path(language=language)))
        updated = unchanged = 0
        known = set()
        refused = []
        for entry in current:
            if entry.obsolete:
                continue
            key = _entry_key(entry)
            new = upload_by_key.get(key)
            if new is None:
                continue
            known.add(key)
            before = (entry.msgstr, dict(entry.msgstr_plural), UNCHECKED_FLAG in entry.flags)
            entry.msgstr = new.msgstr
            if entry.msgid_plural:
                entry.msgstr_plural = dict(new.msgstr_plural) or entry.msgstr_plural
            entry.flags = [flag for flag in entry.flags if flag != UNCHECKED_FLAG]
            if UNCHECKED_FLAG in new.flags:
                entry.flags.append(UNCHECKED_FLAG)
            entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
            if problems := entry_problems(entry):
                refused.append((entry, problems))
            after = (entry.msgstr, dict(entry.msgstr_plural), UNCHECKED_FLAG in entry.flags)
            if before == after:
                unchanged += 1
            else:
                updated += 1
        _refuse_mismatched(refused)
        po_text = str(current)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            po_tmp = Path(scratch) / "django.po"
            po_tmp.write_text(po_text, encoding="utf-8")
            _msgfmt(po_tmp, Path(scratch) / "django.mo")  # refuses a catalog that does not compile
        UploadedCatalog.objects.filter(language=language).update(
            po_text=po_text, version=F("version") + 1, uploaded_by=uploaded_by, uploaded_at=timezone.now()
        )
        version = stored.version + 1
        _catalog_write_local(language=language, po_text=po_text, version=version)
    _applied[language] = version
    translations_reload()
    ignored = len(upload_by_key) - len(known)
    audit(
        actor=uploaded_by,
        action="catalog.upload",
        details={
            "language": language,
            "updated": updated,
            "unchanged": unchanged,
            "ignored": ignored,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    logger.info(
        "catalog %s imported by %s: %d updated, %d unchanged, %d ignored",
        language,
        getattr(uploaded_by, "pk", None),
        updated,
        unchanged,
        ignored,
    )
    return CatalogImport(
        language=language, updated=updated, unchanged=unchanged, ignored=ignored, path=target
    )


# ---------------------------------------------------------------------------------------------
# Every process applies the newest uploads (web nodes at a request, Celery workers at a task)
# ---------------------------------------------------------------------------------------------

_applied: dict[str, int] = {}  # language -> version this process has in its local directory and loaded
_sync_lock = threading.Lock()
_last_check = 0.0


def sync_every_seconds() -> float:
    return float(getattr(settings, "CATALOG_SYNC_SECONDS", 5))


def _version_file(language: str) -> Path:
    return catalog_path(language=language, root=settings.TRANSLATION_UPLOAD_ROOT).with_name("django.version")


def _catalog_write_local(*, language: str, po_text: str, version: int) -> None:
    """Compile a stored catalog into this node's local directory (atomically), unless it is there already."""
    target = catalog_path(language=language, root=settings.TRANSLATION_UPLOAD_ROOT)
    marker = _version_file(language)
    try:
        if int(marker.read_text()) == version and target.with_suffix(".mo").exists():
            return  # another process of this node wrote it
    except (OSError, ValueError):
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        po_tmp, mo_tmp, version_tmp = (Path(scratch) / name for name in ("django.po", "django.mo", "v"))
        po_tmp.write_text(po_text, encoding="utf-8")
        _msgfmt(po_tmp, mo_tmp)
        version_tmp.write_text(str(version))
        os.replace(mo_tmp, target.with_suffix(".mo"))
        os.replace(po_tmp, target)
        os.replace(version_tmp, marker)


def catalogs_sync() -> list[str]:
    """Apply in this process every uploaded catalog newer than the one it has; returns their languages."""
    newer = [
        (language, version)
        for language, version in UploadedCatalog.objects.filter(version__gt=0).values_list("language", "version")
        if _applied.get(language) != version
    ]
    if not newer:
        return []
    texts = dict(
        UploadedCatalog.objects.filter(language__in=[language for language, _v in newer]).values_list(
            "language", "po_text"
        )
    )
    for language, version in newer:
        _catalog_write_local(language=language, po_text=texts[language], version=version)
        _applied[language] = version
    translations_reload()
    logger.info("catalogs applied in this process: %s", ", ".join(f"{lang} v{v}" for lang, v in newer))
    return [language for language, _v in newer]


def catalogs_sync_if_due() -> None:
    """The cheap check every request and task makes: at most every CATALOG_SYNC_SECONDS per process, one
    small query. Never fails the request: a database or compile problem is logged, tried again later."""
    global _last_check
    now = time.monotonic()
    if now - _last_check < sync_every_seconds() or not _sync_lock.acquire(blocking=False):
        return
    try:
        _last_check = now
        catalogs_sync()
    except (DatabaseError, DomainError, OSError):
        logger.warning("Could not apply the uploaded catalogs now; trying again later", exc_info=True)
    finally:
        _sync_lock.release()
