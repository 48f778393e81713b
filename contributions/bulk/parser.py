"""Reading the bulk upload's CSV (the campaign's existing format), its limits (the BULK_* settings)
and the errors that refuse an upload whole. Pure functions, no database; the ZIP is read by
contributions.bulk.archive.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from campaign.countries import parse_country_list
from campaign.errors import DomainError
from campaign.languages import normalise_language
from campaign.messages import Message
from campaign.text import looks_like_formula
from contributions.reasons import bulk_row_message

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


def names_shown(names: list[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown + (" …" if len(names) > most else "")


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
    error: Message | None = None  # untranslated: the row keeps it to show in its reader's language

    def refuse(self, code: str, **params) -> None:
        """The first reason found is the row's (a code of contributions.reasons.BULK_ROW_MESSAGES)."""
        if self.error is None:
            self.error_code, self.error = code, bulk_row_message(code, **params)

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
    warnings: list[Message] = field(default_factory=list)  # kept untranslated, as the rows' reasons


def decode_csv(data: bytes) -> tuple[str, list[Message]]:
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
        Message.of(
            gettext_noop(
                "The CSV is not UTF-8; it was read as Windows-1252. Check that accented and non-Latin "
                "letters came out right, or save it as “CSV UTF-8”."
            )
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


def _unclosed_quote_line(text: str, delimiter: str) -> int | None:
    """The line where a record starts whose quote reaches the end of the file, if one does.

    Only that is looked for: a strict reader stops at other slips (`"a"b`), which the lenient reading
    accepts as the campaign's files have them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for _record in reader:
            start = reader.line_num + 1
    except csv.Error as error:
        return start if "unexpected end of data" in str(error) else None
    return None


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
    unclosed = _unclosed_quote_line(text, delimiter)
    if unclosed is not None:
        # Read leniently, the rest of the file would become one cell of that row: its rows lost unseen.
        raise BulkInputError(
            _(
                'The CSV has a quote (") opened on line %(line)s that is never closed, so every line after '
                'it would be read as one text. Close the quote, or write a quote inside a text as two ("").'
            )
            % {"line": unclosed},
            field="csv",
            code="csv_unclosed_quote",
        )
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
            Message.of(
                gettext_noop("These columns are not part of the bulk format and were ignored: %(columns)s."),
                columns=unknown,
            )
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
        row.refuse("csv_row_width", count=len(record), width=width)
    if not row.file_name:
        row.refuse("no_image")
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
        row.refuse("formula", columns=formulas)
    if not row.description:
        row.refuse("no_description")
    codes, unknown = parse_country_list(cell("text_culture_loc"))
    row.countries = codes
    if unknown:
        row.refuse("unknown_country", names=unknown, n=len(unknown))
    elif not codes:
        row.refuse("no_country")
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
            row.refuse("repeated_file", name=row.file_name, row=earlier)
