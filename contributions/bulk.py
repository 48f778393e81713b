"""Reading a bulk upload safely: the campaign's CSV and a ZIP of images. Pure functions, no database.

The archive is never extracted to disk: members are found by their base name and read as capped
streams, so a `../` or absolute path can never write anywhere, and a ZIP bomb is refused from its
declared sizes before anything is read, then again from the bytes actually read.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.countries import parse_country_list
from campaign.errors import DomainError
from campaign.languages import normalise_language

# The campaign's bulk format: 15 columns, of which these are read.
BULK_HEADER = [
    "annotation_id",
    "annotator",
    "email",
    "created_at",
    "timestamp",
    "id",
    "image",
    "lead_time",
    "text_cap_en",
    "text_cap_native",
    "text_culture_loc",
    "text_image_loc",
    "text_submitter_native_lang",
    "updated_at",
    "similarity_id",
]
REQUIRED_COLUMNS = (
    "image",
    "text_cap_en",
    "text_cap_native",
    "text_culture_loc",
    "text_image_loc",
    "text_submitter_native_lang",
    "similarity_id",
)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif")
ARCHIVE_EXTENSIONS = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst")

MB = 1024 * 1024


def limit(name: str, default: int) -> int:
    """Limits can be changed in settings (`BULK_MAX_ROWS`, ...); the defaults suit the campaign."""
    return int(getattr(settings, name, default))


def max_rows() -> int:
    return limit("BULK_MAX_ROWS", 2_000)


def max_members() -> int:
    return limit("BULK_MAX_MEMBERS", 2_500)


def max_member_bytes() -> int:
    return limit("BULK_MAX_MEMBER_BYTES", 25 * MB)


def max_total_bytes() -> int:
    return limit("BULK_MAX_TOTAL_BYTES", 2 * 1024 * MB)


def max_archive_bytes() -> int:
    return limit("BULK_MAX_ARCHIVE_BYTES", 2 * 1024 * MB)


def max_csv_bytes() -> int:
    return limit("BULK_MAX_CSV_BYTES", 20 * MB)


def max_ratio() -> int:
    return limit("BULK_MAX_COMPRESSION_RATIO", 100)


class BulkInputError(DomainError):
    """The whole upload is refused, with a message saying what to fix. Nothing is stored.

    `field` says which file it is about: "archive" or "csv".
    """

    code = "bulk_invalid"
    http_status = 400

    def __init__(self, message: str | None = None, *, field: str | None = "archive", code: str | None = None):
        super().__init__(message, field=field, code=code)


class BulkTooLarge(BulkInputError):
    code = "bulk_too_large"
    http_status = 413


class NotAZip(BulkInputError):
    code = "not_a_zip"
    http_status = 415


class MemberError(Exception):
    """One member cannot be read (too large, unsupported): that row is refused, the others go on."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _names(names: list[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown + (" …" if len(names) > most else "")


def looks_like_formula(text: str) -> bool:
    """`=cmd()`, `=HYPERLINK(...)`: a cell that only a spreadsheet would read, never a description."""
    return text.lstrip().startswith("=")


def normalise_name(name: str) -> str:
    # macOS writes decomposed accents into ZIPs; a spreadsheet holds the composed form.
    return unicodedata.normalize("NFC", name).strip()


def file_name_from_cell(cell: str) -> str:
    """`https://x/data/Fil%20%281%29%20-%20Name.jpg` -> `Fil (1) - Name.jpg`; `dir\\a.jpg` -> `a.jpg`."""
    cell = (cell or "").strip()
    if not cell:
        return ""
    parts = urlsplit(cell)
    if parts.scheme in ("http", "https") and parts.netloc:
        return normalise_name(unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]))
    return normalise_name(re.split(r"[\\/]", cell)[-1])


# ---------------------------------------------------------------------------------------------------
# The archive


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
    ignored: list[dict] = field(default_factory=list)  # {"name", "reason"}
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
            % {"names": _names(unsafe)},
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
            manifest.ignored.append({"name": name, "reason": _("a symbolic link, not a file: ignored")})
        elif info.flag_bits & 0x1:
            manifest.ignored.append({"name": name, "reason": _("encrypted: ignored")})
        elif lowered.endswith(ARCHIVE_EXTENSIONS):
            manifest.ignored.append({"name": name, "reason": _("an archive inside the archive: not opened")})
        elif lowered.endswith(".csv"):
            manifest.csv_members.append(member)
        elif lowered.endswith(IMAGE_EXTENSIONS):
            manifest.images.setdefault(base, []).append(member)
        else:
            manifest.ignored.append({"name": name, "reason": _("not an image: ignored")})
    return manifest


def read_member(archive: zipfile.ZipFile, member: Member, *, cap: int | None = None) -> bytes:
    """The member's bytes, counted while reading: never more than its declared size or the cap."""
    cap = max_member_bytes() if cap is None else cap
    if member.size > cap:
        raise MemberError(
            _("The file is larger than %(max)s MB once unpacked.") % {"max": cap // MB}, "file_too_large"
        )
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
                    raise MemberError(
                        _("The file unpacks to more than its declared size: refused."), "zip_bomb"
                    )
                chunks.append(chunk)
    except NotImplementedError:
        raise MemberError(
            _("The file is packed with a compression method the portal cannot read; use plain ZIP."),
            "unsupported_compression",
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError):
        raise MemberError(_("The file is damaged inside the archive."), "corrupt_member") from None
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------------
# The CSV


@dataclass
class CsvRow:
    row_number: int  # 1 for the first record after the header
    line_number: int  # where the record starts in the file, as an editor counts lines
    image: str  # as written
    file_name: str  # the base name it names
    description: str = ""
    native_description: str = ""
    native_language: str = ""  # `Name (code)`, normalised; empty: the profile's
    countries: list[str] = field(default_factory=list)  # ISO codes
    location: str = ""
    group: str = ""
    error_code: str = ""
    error: str = ""

    def refuse(self, code: str, message: str) -> None:
        if not self.error:
            self.error_code, self.error = code, message

    def fields(self) -> dict:
        return {
            "description": self.description,
            "native_description": self.native_description,
            "native_language": self.native_language,
            "countries": self.countries,
            "location": self.location,
            "group": self.group,
        }


@dataclass
class ParsedCsv:
    rows: list[CsvRow]
    warnings: list[str] = field(default_factory=list)


def decode_csv(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without a BOM), else Windows-1252 (what Excel writes) with a warning."""
    if b"\x00" in data:
        raise BulkInputError(
            _("The CSV is not a text file (or is UTF-16). Save it as “CSV UTF-8” and upload it again."),
            field="csv",
            code="csv_encoding",
        )
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise BulkInputError(
            _("The CSV's text encoding is not readable. Save it as “CSV UTF-8” and upload it again."),
            field="csv",
            code="csv_encoding",
        ) from None
    return text, [
        _(
            "The CSV is not UTF-8; it was read as Windows-1252. Check that accented and non-Latin "
            "letters came out right, or save it as “CSV UTF-8”."
        )
    ]


def _header_columns(line: str, delimiter: str) -> list[str]:
    row = next(csv.reader([line], delimiter=delimiter), [])
    return [cell.strip().lstrip("\ufeff").lower() for cell in row]


def _pick_delimiter(text: str) -> str:
    """Comma, as the campaign's files; a semicolon or tab when that is what the header uses (Excel)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best = ","
    for delimiter in (",", ";", "\t"):
        if set(REQUIRED_COLUMNS) <= set(_header_columns(first, delimiter)):
            return delimiter
    return best


def parse_csv(data: bytes, *, default_language: str = "") -> ParsedCsv:
    """The rows of a bulk CSV, each with its fields or the reason it cannot be imported.

    Refuses the whole file when it cannot be read, has no rows, lacks a used column or has too many
    rows. Accepts the campaign's real files as they are: a BOM, CRLF, blank lines between records,
    quoted fields with commas, `image` as a URL or a plain file name.
    """
    if len(data) > max_csv_bytes():
        raise BulkTooLarge(
            _("The CSV is larger than %(max)s MB.") % {"max": max_csv_bytes() // MB}, field="csv"
        )
    text, warnings = decode_csv(data)
    if not text.strip():
        raise BulkInputError(
            _("The CSV is empty: it needs a header and one row per image."), field="csv", code="csv_empty"
        )
    delimiter = _pick_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # the blank lines the old script writes between records
            if header is None:
                header = [cell.strip().lstrip("\ufeff").lower() for cell in record]
                continue
            records.append((start, record))
            if len(records) > max_rows():
                raise BulkTooLarge(
                    _("The CSV has more than %(max)s rows; at most %(max)s per upload. Split it into parts.")
                    % {"max": f"{max_rows():,}"},
                    field="csv",
                    code="too_many_rows",
                )
    except csv.Error as error:
        raise BulkInputError(
            _("The CSV cannot be read near line %(line)s (%(error)s).")
            % {"line": reader.line_num, "error": error},
            field="csv",
            code="csv_malformed",
        ) from None
    missing = [column for column in REQUIRED_COLUMNS if column not in (header or [])]
    if missing:
        raise BulkInputError(
            ngettext(
                "The CSV lacks the column %(columns)s. Its header must be the campaign's: %(header)s.",
                "The CSV lacks the columns %(columns)s. Its header must be the campaign's: %(header)s.",
                len(missing),
            )
            % {"columns": ", ".join(missing), "header": ",".join(BULK_HEADER)},
            field="csv",
            code="csv_missing_columns",
        )
    unknown = [column for column in header if column and column not in BULK_HEADER]
    if unknown:
        warnings.append(
            _("These columns are not part of the bulk format and were ignored: %s.") % ", ".join(unknown)
        )
    if not records:
        raise BulkInputError(_("The CSV has a header but no rows."), field="csv", code="csv_empty")
    index = {column: header.index(column) for column in REQUIRED_COLUMNS}
    rows = [
        _row_from(number, line, record, index, len(header), default_language)
        for number, (line, record) in enumerate(records, start=1)
    ]
    _refuse_repeated_files(rows)
    return ParsedCsv(rows=rows, warnings=warnings)


def _row_from(
    number: int, line: int, record: list[str], index: dict, width: int, default_language: str
) -> CsvRow:
    def cell(column: str) -> str:
        position = index[column]
        return record[position].strip() if position < len(record) else ""

    row = CsvRow(
        row_number=number,
        line_number=line,
        image=cell("image"),
        file_name=file_name_from_cell(cell("image")),
        description=cell("text_cap_en"),
        native_description=cell("text_cap_native"),
        location=cell("text_image_loc"),
        group=cell("similarity_id"),
    )
    if len(record) > width and any(value.strip() for value in record[width:]):
        row.refuse(
            "csv_row_width",
            _(
                "The row has %(count)s fields but the header has %(width)s: check the quotes around text with commas."
            )
            % {"count": len(record), "width": width},
        )
    if not row.file_name:
        row.refuse("no_image", _("The “image” column is empty."))
    texts = {
        "text_cap_en": row.description,
        "text_cap_native": row.native_description,
        "text_image_loc": row.location,
        "similarity_id": row.group,
        "text_submitter_native_lang": cell("text_submitter_native_lang"),
        "text_culture_loc": cell("text_culture_loc"),
    }
    formulas = [column for column, value in texts.items() if looks_like_formula(value)]
    if formulas:
        row.refuse(
            "formula",
            _("%(columns)s starts with “=”: a spreadsheet formula, not a description. Write the text itself.")
            % {"columns": ", ".join(formulas)},
        )
    if not row.description:
        row.refuse("no_description", _("The English description (text_cap_en) is empty."))
    codes, unknown = parse_country_list(cell("text_culture_loc"))
    row.countries = codes
    if unknown:
        row.refuse(
            "unknown_country",
            ngettext(
                "Unknown country: %(names)s. Use the names of the 11 countries, e.g. Indonesia, Viet Nam.",
                "Unknown countries: %(names)s. Use the names of the 11 countries, e.g. Indonesia, Viet Nam.",
                len(unknown),
            )
            % {"names": ", ".join(unknown)},
        )
    elif not codes:
        row.refuse("no_country", _("No country given (text_culture_loc): name at least one of the 11."))
    language = normalise_language(cell("text_submitter_native_lang"))
    row.native_language = language.label if language else default_language
    return row


def _refuse_repeated_files(rows: list[CsvRow]) -> None:
    first_use: dict[str, int] = {}
    for row in rows:
        if not row.file_name:
            continue
        earlier = first_use.setdefault(row.file_name.lower(), row.row_number)
        if earlier != row.row_number:
            row.refuse(
                "repeated_file",
                _("The file %(name)s is already used by row %(row)s.")
                % {"name": row.file_name, "row": earlier},
            )


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
            % {"names": _names([m.name for m in manifest.csv_members])},
            field="csv",
            code="csv_ambiguous",
        )
    try:
        return read_member(archive, manifest.csv_members[0], cap=max_csv_bytes())
    except MemberError as error:
        raise BulkInputError(error.message, field="csv", code="csv_unreadable") from None
