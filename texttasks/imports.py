"""Importing Task 3's benchmark prompts (and machine-translated drafts) and Task 4's pool images.

One service per import, used by the management commands and the admin upload page alike. Every row
is checked before anything is written; an import with a bad row writes nothing and says which line is
wrong. Importing the same file again updates rows, never duplicates them.
"""

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from campaign.countries import parse_country_list
from campaign.errors import DomainError
from campaign.models import Language
from texttasks.models import BenchmarkPrompt, PoolImage, PromptDraft

MAX_ERRORS_SHOWN = 20
IMAGE_EXTENSIONS = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "GIF": ".gif",
    "BMP": ".bmp",
    "TIFF": ".tif",
}
Progress = Callable[[Iterable, int], Iterable]


class ImportProblem(DomainError):
    code = "import_invalid"

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        message = _("Nothing was imported: %(count)s problem(s) found.") % {"count": len(errors)}
        message += "\n" + "\n".join(shown)
        if more:
            message += "\n" + _("… and %(more)s more.") % {"more": more}
        super().__init__(message)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


# --- Reading rows ------------------------------------------------------------------------------------


def _read_rows(path: Path) -> list[tuple[str, dict]]:
    """(where, row) for each record of a JSONL, JSON, CSV or Parquet file; `where` names the line."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        rows = []
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ImportProblem(
                        [_("line %(n)s: not valid JSON (%(e)s)") % {"n": number, "e": error.msg}]
                    ) from None
                if not isinstance(value, dict):
                    raise ImportProblem([_("line %(n)s: expected a JSON object") % {"n": number}])
                rows.append((_("line %(n)s") % {"n": number}, value))
        return rows
    if suffix == ".json":
        with path.open(encoding="utf-8-sig") as handle:
            values = json.load(handle)
        if isinstance(values, dict):
            values = values.get("data") or values.get("rows") or []
        return [(_("record %(n)s") % {"n": n}, value) for n, value in enumerate(values, start=1)]
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for row in reader:
                if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                    continue
                rows.append(
                    (_("line %(n)s") % {"n": reader.line_num}, {k.strip(): v for k, v in row.items() if k})
                )
            return rows
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = []
        number = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=64):
            for value in batch.to_pylist():
                number += 1
                rows.append((_("row %(n)s") % {"n": number}, value))
        return rows
    raise ImportProblem([_("%(name)s: use a .jsonl, .csv or .parquet file") % {"name": path.name}])


def _image_refs(value) -> list:
    """The `image` field as a list: names, {bytes, path} dicts or raw bytes; CSV may hold JSON or `a;b`."""
    if value is None:
        return []
    if isinstance(value, bytes | dict):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if item not in (None, "")]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            return [item for item in json.loads(text) if item]
        except json.JSONDecodeError:
            pass
    for separator in (";", "|"):
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    return [text]


def _image_bytes(ref, *, images_dir: Path | None) -> tuple[bytes | None, str]:
    """(bytes, error) for one image reference."""
    if isinstance(ref, bytes):
        return ref, ""
    if isinstance(ref, dict):
        if ref.get("bytes"):
            return bytes(ref["bytes"]), ""
        ref = ref.get("path") or ""
    name = str(ref).strip()
    if images_dir is None:
        return None, _("image %(name)s: give the image folder (--images)") % {"name": name}
    root = images_dir.resolve()
    candidate = (root / name).resolve()
    if not candidate.is_relative_to(root):
        return None, _("image %(name)s: outside the image folder") % {"name": name}
    if not candidate.is_file():
        return None, _("image %(name)s not found in %(folder)s") % {"name": name, "folder": images_dir}
    return candidate.read_bytes(), ""


def _image_extension(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGE_EXTENSIONS.get(image.format or "", ".img")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


# --- Task 3: benchmark prompts -----------------------------------------------------------------------


@dataclass
class _PromptRow:
    where: str
    index: str
    prompt: str
    reference: str
    category: str
    image_source: str
    images: list[tuple[bytes, str]]  # (data, extension)


def _parse_prompt_row(
    where: str, row: dict, *, images_dir: Path | None, errors: list[str]
) -> _PromptRow | None:
    problems = []
    index = row.get("index")
    if index is None or str(index).strip() == "":
        problems.append(_("the field “index” is missing"))
    prompt = row.get("prompt") if row.get("prompt") not in (None, "") else row.get("question")
    if prompt is None or not str(prompt).strip():
        problems.append(_("the field “prompt” (or “question”) is missing"))
    refs = _image_refs(row.get("image", row.get("images")))
    images = []
    if not refs:
        problems.append(_("the field “image” is missing: each prompt has one or two images"))
    elif len(refs) > 2:
        problems.append(_("%(count)s images: a prompt has one or two") % {"count": len(refs)})
    else:
        for ref in refs:
            data, error = _image_bytes(ref, images_dir=images_dir)
            if error:
                problems.append(error)
                continue
            extension = _image_extension(data)
            if extension is None:
                problems.append(_("an image is not a readable picture"))
                continue
            images.append((data, extension))
    if problems:
        errors.extend(f"{where}: {problem}" for problem in problems)
        return None
    if isinstance(index, float) and index.is_integer():
        index = int(index)
    return _PromptRow(
        where=where,
        index=str(index).strip(),
        prompt=str(prompt).strip(),
        reference=str(row.get("reference") or "").strip(),
        category=str(row.get("image_source_category") or row.get("category") or "").strip()[:64],
        image_source=str(row.get("image_source") or "").strip()[:200],
        images=images,
    )


def _sort_key(index: str):
    return (0, int(index), "") if index.isdigit() else (1, 0, index)


def benchmark_import(
    *,
    path: Path,
    images_dir: Path | None = None,
    benchmark: str = "aya-vision",
    progress: Progress | None = None,
) -> ImportResult:
    """Import (or update) a benchmark's English prompts with their images."""
    path, images_dir = Path(path), Path(images_dir) if images_dir else None
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", benchmark or ""):
        raise ImportProblem(
            [_("%(name)s: a benchmark name uses letters, digits, - and _") % {"name": benchmark}]
        )
    if not path.is_file():
        raise ImportProblem([_("%(path)s: no such file") % {"path": path}])
    errors: list[str] = []
    parsed: list[_PromptRow] = []
    seen: dict[str, str] = {}
    raw = _read_rows(path)
    if not raw:
        raise ImportProblem([_("%(name)s holds no prompts") % {"name": path.name}])
    for where, row in raw:
        item = _parse_prompt_row(where, row, images_dir=images_dir, errors=errors)
        if item is None:
            continue
        if item.index in seen:
            errors.append(
                _("%(where)s: index %(index)s repeats %(first)s")
                % {"where": where, "index": item.index, "first": seen[item.index]}
            )
            continue
        seen[item.index] = where
        parsed.append(item)
    if errors:
        raise ImportProblem(errors)
    positions = {index: n for n, index in enumerate(sorted(seen, key=_sort_key))}
    result = ImportResult()
    existing = {p.source_index: p for p in BenchmarkPrompt.objects.filter(benchmark=benchmark)}
    rows: Iterable[_PromptRow] = progress(parsed, len(parsed)) if progress else parsed
    with transaction.atomic():
        for item in rows:
            prompt = existing.get(item.index)
            created = prompt is None
            if created:
                prompt = BenchmarkPrompt(benchmark=benchmark, source_index=item.index)
            before = (prompt.prompt, prompt.reference, prompt.category, prompt.image_source, prompt.position)
            prompt.prompt, prompt.reference = item.prompt, item.reference
            prompt.category, prompt.image_source = item.category, item.image_source
            prompt.position = positions[item.index]
            changed = before != (
                prompt.prompt,
                prompt.reference,
                prompt.category,
                prompt.image_source,
                prompt.position,
            )
            for number in (1, 2):
                file_field, sha_attr = getattr(prompt, f"image_{number}"), f"image_{number}_sha256"
                if number <= len(item.images):
                    data, extension = item.images[number - 1]
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != getattr(prompt, sha_attr) or not file_field:
                        name = get_valid_filename(f"{item.index}-{number}{extension}")
                        file_field.save(name, ContentFile(data), save=False)
                        setattr(prompt, sha_attr, digest)
                        changed = True
                elif file_field:
                    setattr(prompt, f"image_{number}", "")
                    setattr(prompt, sha_attr, "")
                    changed = True
            if created:
                prompt.save()
                result.created += 1
            elif changed:
                prompt.save()
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def prompt_drafts_import(*, path: Path, language_code: str, benchmark: str = "aya-vision") -> ImportResult:
    """Machine-translated drafts of a benchmark's prompts in one language (`index` + `prompt`/`question`)."""
    path = Path(path)
    language = Language.objects.filter(code=(language_code or "").strip().lower()).first()
    if language is None:
        raise ImportProblem([_("%(code)s is not a language of the campaign") % {"code": language_code}])
    if not path.is_file():
        raise ImportProblem([_("%(path)s: no such file") % {"path": path}])
    prompts = {p.source_index: p for p in BenchmarkPrompt.objects.filter(benchmark=benchmark)}
    errors, drafts = [], []
    for where, row in _read_rows(path):
        index = row.get("index")
        index = str(int(index) if isinstance(index, float) and index.is_integer() else index or "").strip()
        text = next(
            (row.get(key) for key in ("prompt", "question", "translation", "text") if row.get(key)), ""
        )
        if not index:
            errors.append(_("%(where)s: the field “index” is missing") % {"where": where})
        elif index not in prompts:
            errors.append(
                _("%(where)s: no imported prompt has index %(index)s") % {"where": where, "index": index}
            )
        elif not str(text).strip():
            errors.append(_("%(where)s: the field “prompt” is missing") % {"where": where})
        else:
            drafts.append((prompts[index], str(text).strip()))
    if errors:
        raise ImportProblem(errors)
    result = ImportResult()
    with transaction.atomic():
        for prompt, text in drafts:
            _draft, created = PromptDraft.objects.update_or_create(
                prompt=prompt, language=language, defaults={"text": text}
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result


# --- Task 4: pool images -----------------------------------------------------------------------------

METADATA_NAMES = ("metadata.jsonl", "metadata.csv", "metadata.json")


def _countries_of(value) -> tuple[list[str], list[str]]:
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    return parse_country_list(str(value or ""))


def pool_images_import(
    *, path: Path, metadata: Path | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import earlier SEA-VL images for Task 4: a folder with a metadata file (`file_name`/`image`,
    `caption`, `culture_relevant_loc`/`countries`), or a Parquet file of the published set."""
    path = Path(path)
    if path.is_dir():
        metadata = (
            Path(metadata)
            if metadata
            else next((path / n for n in METADATA_NAMES if (path / n).is_file()), None)
        )
        if metadata is None or not metadata.is_file():
            raise ImportProblem(
                [_("%(path)s: give a metadata file (metadata.jsonl or metadata.csv)") % {"path": path}]
            )
        raw, images_dir = _read_rows(metadata), path
    elif path.suffix.lower() == ".parquet":
        raw, images_dir = _read_rows(path), None
    else:
        raise ImportProblem([_("%(path)s: give a folder of images or a Parquet file") % {"path": path}])
    errors: list[str] = []
    items = []
    for where, row in raw:
        ref = (
            row.get("image")
            if row.get("image") not in (None, "")
            else row.get("file_name") or row.get("file")
        )
        refs = _image_refs(ref)
        if len(refs) != 1:
            errors.append(_("%(where)s: one image per row") % {"where": where})
            continue
        data, error = _image_bytes(refs[0], images_dir=images_dir)
        if error:
            errors.append(f"{where}: {error}")
            continue
        extension = _image_extension(data)
        if extension is None:
            errors.append(_("%(where)s: the image is not a readable picture") % {"where": where})
            continue
        codes, unknown = _countries_of(row.get("culture_relevant_loc", row.get("countries")))
        if unknown:
            errors.append(
                _("%(where)s: unknown countries %(names)s") % {"where": where, "names": ", ".join(unknown)}
            )
            continue
        source_ref = str(row.get("id") or (refs[0] if isinstance(refs[0], str) else "") or "").strip()
        if not source_ref:
            source_ref = hashlib.sha256(data).hexdigest()
        items.append((source_ref[:255], data, extension, str(row.get("caption") or "").strip(), codes))
    if errors:
        raise ImportProblem(errors)
    result = ImportResult()
    iterable: Iterator = iter(progress(items, len(items)) if progress else items)
    with transaction.atomic():
        for source_ref, data, extension, caption, codes in iterable:
            image = PoolImage.objects.filter(source_ref=source_ref).first()
            if image is None:
                image = PoolImage(source_ref=source_ref, caption=caption)
                image.file.save(f"pool{extension}", ContentFile(data), save=False)
                image.save()
                result.created += 1
            elif image.caption != caption:
                image.caption = caption
                image.save(update_fields=["caption"])
                result.updated += 1
            else:
                result.unchanged += 1
            image.countries.set(codes)
    return result
