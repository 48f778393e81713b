"""Reading the bulk upload's ZIP safely. Pure functions, no database.

The archive is never extracted to disk: members are found by their base name and read as capped
streams, so a `../` or absolute path can never write anywhere, and a ZIP bomb is refused from its
declared sizes before anything is read, then again from the bytes actually read.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contributions.bulk.parser import (
    MB,
    BulkInputError,
    BulkTooLarge,
    max_csv_bytes,
    max_member_bytes,
    max_members,
    max_ratio,
    max_total_bytes,
    names_shown,
    normalise_name,
)
from contributions.reasons import bulk_row_message

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
ARCHIVE_EXTENSIONS = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst")


class NotAZip(BulkInputError):
    code = "not_a_zip"
    http_status = 415


class MemberError(Exception):
    """One member cannot be read (too large, unsupported): that row is refused, the others go on.

    `code` is one of contributions.reasons.BULK_ROW_MESSAGES; `text` its message, untranslated."""

    def __init__(self, code: str, **params):
        self.code = code
        self.text = bulk_row_message(code, **params)
        self.message = str(self.text)
        super().__init__(self.message)


@dataclass(frozen=True)
class Member:
    name: str  # the path inside the archive, only ever used to find the member again
    base_name: str
    size: int
    compressed_size: int


@dataclass
class ArchiveManifest:
    images: dict[str, list[Member]] = field(default_factory=dict)  # by normalised base name
    csv_members: list[Member] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)  # {"name", "reason": a msgid, shown translated}
    declared_total: int = 0

    def find(self, file_name: str) -> tuple[Member | None, str]:
        """The member a row names: exact base name, or (uniquely) the same name in another case."""
        found = self.images.get(file_name)
        if not found:
            lowered = file_name.lower()
            found = [m for name, ms in self.images.items() if name.lower() == lowered for m in ms]
        if not found:
            return None, "missing"
        if len(found) > 1:
            return None, "ambiguous"
        return found[0], ""


def _is_unsafe_path(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[\\/]", name))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def _is_noise(name: str) -> bool:
    """Files that archivers add on their own: macOS resource forks, Finder and Explorer metadata."""
    parts = name.split("/")
    base = parts[-1]
    return "__MACOSX" in parts or base.startswith("._") or base in (".DS_Store", "Thumbs.db", "desktop.ini")


def open_archive(fileobj) -> zipfile.ZipFile:
    try:
        fileobj.seek(0)
        return zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise NotAZip(
            _("This file is not a ZIP archive. Upload the images packed in one .zip file.")
        ) from None


def inspect_archive(archive: zipfile.ZipFile) -> ArchiveManifest:
    """Check the archive from its central directory, before reading any member.

    Refuses the whole archive for unsafe paths, too many members, a declared size over the cap or a
    compression ratio no photo has (a ZIP bomb). Symbolic links, nested archives, encrypted members
    and files that are not images are set aside with a reason.
    """
    infos = archive.infolist()
    if len(infos) > max_members():
        raise BulkTooLarge(
            _(
                "The archive holds %(count)s entries; at most %(max)s are accepted. Split it into smaller ZIPs."
            )
            % {"count": f"{len(infos):,}", "max": f"{max_members():,}"}
        )
    unsafe = [info.filename for info in infos if _is_unsafe_path(info.filename)]
    if unsafe:
        raise BulkInputError(
            _(
                "The archive contains paths that point outside it (%(names)s). Nothing was imported: "
                "pack the images again without “..” or absolute paths."
            )
            % {"names": names_shown(unsafe)},
            code="unsafe_path",
        )
    manifest = ArchiveManifest()
    for info in infos:
        if info.is_dir():
            continue
        manifest.declared_total += info.file_size
        ratio_limit = max_ratio() * max(info.compress_size, 1)
        if info.file_size > MB and info.file_size > ratio_limit:
            raise BulkInputError(
                _(
                    "The archive looks like a ZIP bomb: “%(name)s” would unpack to %(ratio)s times its "
                    "packed size. Nothing was imported."
                )
                % {"name": info.filename, "ratio": f"{info.file_size // max(info.compress_size, 1):,}"},
                code="zip_bomb",
            )
    if manifest.declared_total > max_total_bytes():
        raise BulkTooLarge(
            _("The archive would unpack to %(size)s MB; at most %(max)s MB are accepted. Split it.")
            % {"size": f"{manifest.declared_total // MB:,}", "max": f"{max_total_bytes() // MB:,}"},
            code="zip_bomb",
        )
    for info in infos:
        name = info.filename
        if info.is_dir() or _is_noise(name):
            continue
        base = normalise_name(posixpath.basename(name.replace("\\", "/")))
        member = Member(name=name, base_name=base, size=info.file_size, compressed_size=info.compress_size)
        lowered = base.lower()
        if _is_symlink(info):
            manifest.ignored.append(
                {"name": name, "reason": gettext_noop("a symbolic link, not a file: ignored")}
            )
        elif info.flag_bits & 0x1:
            manifest.ignored.append({"name": name, "reason": gettext_noop("encrypted: ignored")})
        elif lowered.endswith(ARCHIVE_EXTENSIONS):
            manifest.ignored.append(
                {"name": name, "reason": gettext_noop("an archive inside the archive: not opened")}
            )
        elif lowered.endswith(".csv"):
            manifest.csv_members.append(member)
        elif lowered.endswith(IMAGE_EXTENSIONS):
            manifest.images.setdefault(base, []).append(member)
        else:
            manifest.ignored.append({"name": name, "reason": gettext_noop("not an image: ignored")})
    return manifest


def read_member(archive: zipfile.ZipFile, member: Member, *, cap: int | None = None) -> bytes:
    """The member's bytes, counted while reading: never more than its declared size or the cap."""
    cap = max_member_bytes() if cap is None else cap
    if member.size > cap:
        raise MemberError("file_too_large", max=cap // MB)
    allowed = min(member.size, cap)
    chunks, total = [], 0
    try:
        with archive.open(member.name) as stream:
            while True:
                chunk = stream.read(min(MB, allowed + 1 - total))
                if not chunk:
                    break
                total += len(chunk)
                if total > allowed:
                    raise MemberError("zip_bomb")
                chunks.append(chunk)
    except NotImplementedError:
        raise MemberError("unsupported_compression") from None
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError):
        raise MemberError("corrupt_member") from None
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------------
# The CSV


def csv_bytes_from(archive: zipfile.ZipFile, manifest: ArchiveManifest) -> bytes:
    """The CSV packed in the archive when none was uploaded beside it: exactly one must be there."""
    if not manifest.csv_members:
        raise BulkInputError(
            _("No CSV: upload the CSV with the archive, or put it inside the ZIP."),
            field="csv",
            code="csv_missing",
        )
    if len(manifest.csv_members) > 1:
        raise BulkInputError(
            _("The archive holds several CSV files (%(names)s): upload the one to use beside the ZIP.")
            % {"names": names_shown([m.name for m in manifest.csv_members])},
            field="csv",
            code="csv_ambiguous",
        )
    try:
        return read_member(archive, manifest.csv_members[0], cap=max_csv_bytes())
    except MemberError as error:
        raise BulkInputError(error.text, field="csv", code="csv_unreadable") from None
