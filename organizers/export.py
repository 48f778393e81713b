"""Writing a dataset release: Parquet shards in the Hugging Face `datasets` layout and a dataset card.

Reproducible by construction: rows sorted by id, fixed batch and shard sizes, fixed Parquet writer
options, no timestamps or export ids inside any file. The same data and filters give byte-identical
files. Memory stays bounded: images are read, checked and written a batch at a time.
"""

import hashlib
import io
import json
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, JpegImagePlugin

from organizers.errors import ExportError
from organizers.models import DatasetExport
from organizers.selectors import exports as export_selectors

LICENSE = "CC-BY-SA-4.0"
IMAGE_FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic", "GIF": "gif"}


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _value(dtype: str) -> dict:
    return {"dtype": dtype, "_type": "Value"}


def _schema(fields: list[tuple[str, pa.DataType, dict]]) -> pa.Schema:
    """An Arrow schema carrying the `datasets` feature types (so `image` loads as an Image)."""
    features = {name: feature for name, _type, feature in fields}
    metadata = {
        "huggingface": json.dumps({"info": {"features": features}}, sort_keys=True, separators=(",", ":"))
    }
    return pa.schema([pa.field(name, dtype) for name, dtype, _feature in fields], metadata=metadata)


IMAGE_SCHEMA = _schema(
    [
        ("id", pa.int64(), _value("int64")),
        ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]), {"_type": "Image"}),
        ("caption", pa.string(), _value("string")),
        ("caption_native_lang", pa.string(), _value("string")),
        ("culture_relevant_loc", pa.string(), _value("string")),
        ("native_lang", pa.string(), _value("string")),
        ("avg_cultural_relevance", pa.float64(), _value("float64")),
        ("avg_caption_fit", pa.float64(), _value("float64")),
        ("avg_img_quality", pa.float64(), _value("float64")),
        ("n_annotator", pa.int64(), _value("int64")),
        ("license", pa.string(), _value("string")),
        ("attribution", pa.string(), _value("string")),
        ("location", pa.string(), _value("string")),
    ]
)

TEXT_TABLES: dict[int, tuple[str, pa.Schema]] = {
    3: (
        "translations",
        _schema(
            [
                ("id", pa.int64(), _value("int64")),
                ("source_index", pa.string(), _value("string")),
                ("language", pa.string(), _value("string")),
                ("prompt", pa.string(), _value("string")),
                ("translation", pa.string(), _value("string")),
                ("license", pa.string(), _value("string")),
                ("attribution", pa.string(), _value("string")),
            ]
        ),
    ),
    4: (
        "visual_questions",
        _schema(
            [
                ("id", pa.int64(), _value("int64")),
                ("image_id", pa.int64(), _value("int64")),
                ("image_source", pa.string(), _value("string")),
                ("language", pa.string(), _value("string")),
                ("question", pa.string(), _value("string")),
                ("answer", pa.string(), _value("string")),
                ("license", pa.string(), _value("string")),
                ("attribution", pa.string(), _value("string")),
            ]
        ),
    ),
    5: (
        "generation_prompts",
        _schema(
            [
                ("id", pa.int64(), _value("int64")),
                ("country", pa.string(), _value("string")),
                ("level", pa.int64(), _value("int64")),
                ("chain_id", pa.string(), _value("string")),
                ("prompt", pa.string(), _value("string")),
                ("license", pa.string(), _value("string")),
                ("attribution", pa.string(), _value("string")),
            ]
        ),
    ),
}


def _parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    # Every option that could vary is fixed here; changing one changes the bytes of every release.
    return pq.ParquetWriter(
        str(path),
        schema,
        version="2.6",
        data_page_version="1.0",
        compression="zstd",
        compression_level=3,
        use_dictionary=False,
        write_statistics=True,
        write_page_index=False,
        store_schema=True,
    )


def image_ensure_no_gps(data: bytes, *, label: str) -> str:
    """The image format of `data`; raises ExportError if it still carries GPS data (EXIF or XMP)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            exif = image.getexif()
            has_gps = bool(exif.get_ifd(ExifTags.IFD.GPSInfo)) or ExifTags.IFD.GPSInfo in exif
            xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
            if isinstance(xmp, str):
                xmp = xmp.encode()
            has_gps = has_gps or b"exif:GPS" in xmp
    except (OSError, SyntaxError, ValueError) as error:
        raise ExportError(
            _("%(label)s is not a readable image (%(error)s).") % {"label": label, "error": error}
        ) from error
    if has_gps:
        raise ExportError(
            _("%(label)s still carries GPS data: the export stopped, nothing was released.")
            % {"label": label}
        )
    return image_format


def image_upright(data: bytes) -> bytes:
    """The image as a viewer shows it: a photo stored with an EXIF orientation (2-8: a phone held
    sideways) is turned upright and written without the tag; any other image is returned as it is.

    The stored original keeps the contributor's pixels byte for byte (the upload checks strip metadata
    without re-encoding, and keep the orientation tag so the original still shows upright); a dataset
    must not depend on readers applying EXIF, so the release re-encodes those few photos once: JPEG at
    quality 95 with the original's chroma subsampling, PNG losslessly, WebP at quality 95, ICC kept.
    Deterministic (the same bytes in give the same bytes out), as the release must be."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            if orientation not in range(2, 9):
                return data
            image_format = image.format or ""
            options: dict = {}
            if image_format == "JPEG":
                # get_sampling: 0 (4:4:4), 1 (4:2:2), 2 (4:2:0), or -1 when unknown (then 4:4:4).
                options = {"quality": 95, "subsampling": max(JpegImagePlugin.get_sampling(image), 0)}
            elif image_format == "WEBP":
                options = {"quality": 95}
            if image.info.get("icc_profile"):
                options["icc_profile"] = image.info["icc_profile"]
            upright = ImageOps.exif_transpose(image)
            exif = upright.getexif()
            exif.pop(ExifTags.Base.Orientation, None)
            if len(exif):
                options["exif"] = exif.tobytes()
            out = io.BytesIO()
            upright.save(out, image_format, **options)
    except (OSError, SyntaxError, ValueError):
        return data  # not readable: image_ensure_no_gps says so, with the image's label
    return out.getvalue()


@dataclass
class ExportResult:
    files: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


class _Progress:
    def __init__(self, total: int, callback: Callable[[int, int], None] | None):
        self.total, self.done, self.callback = max(total, 1), 0, callback

    def advance(self, n: int) -> None:
        self.done += n
        if self.callback:
            self.callback(min(self.done, self.total), self.total)


class ExportWriter:
    def __init__(self, export: DatasetExport, workdir: Path):
        self.export, self.workdir, self.result = export, workdir, ExportResult()

    def publish(self, local: Path, path: str) -> None:
        """Copy one finished file to the default storage under the export's prefix."""
        digest = hashlib.sha256()
        with local.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        name = self.export.storage_name(path)
        if default_storage.exists(name):  # a redelivered run replaces what an interrupted one left
            default_storage.delete(name)
        with local.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=Path(path).name))
        if saved != name:
            raise ExportError(_("The storage renamed %(name)s; the export is incomplete.") % {"name": name})
        self.result.files.append({"path": path, "size": local.stat().st_size, "sha256": digest.hexdigest()})
        local.unlink()

    def write_images(self, filters: export_selectors.ExportFilters, progress: _Progress) -> None:
        total = export_selectors.export_images(filters).count()
        shard_rows = _conf("ORGANIZERS_EXPORT_SHARD_ROWS", 500)
        batch_size = _conf("ORGANIZERS_EXPORT_BATCH_ROWS", 50)
        shards = max(1, math.ceil(total / shard_rows))
        countries, languages = Counter(), Counter()
        rows_written, writer, shard, local = 0, None, -1, None
        for batch in export_selectors.export_image_batches(
            filters, batch_size=batch_size, shard_rows=shard_rows
        ):
            if rows_written // shard_rows != shard:
                if writer is not None:
                    writer.close()
                    self.publish(local, f"images/data/train-{shard:05d}-of-{shards:05d}.parquet")
                shard = rows_written // shard_rows
                local = self.workdir / f"images-{shard}.parquet"
                writer = _parquet_writer(local, IMAGE_SCHEMA)
            rows = []
            for row in batch:
                data = image_upright(row.pop("image_bytes"))
                image_format = image_ensure_no_gps(data, label=_("Image %(id)s") % {"id": row["id"]})
                extension = IMAGE_FORMAT_EXTENSIONS.get(image_format, image_format.lower() or "bin")
                row["image"] = {"bytes": data, "path": f"{row['id']}.{extension}"}
                row["license"] = LICENSE
                rows.append(row)
                countries.update(row.pop("country_names"))
                languages[row["native_lang"]] += 1
            writer.write_table(pa.Table.from_pylist(rows, schema=IMAGE_SCHEMA))
            rows_written += len(rows)
            progress.advance(len(rows))
        if writer is None:  # no rows: still one empty shard, so the layout always loads
            local = self.workdir / "images-0.parquet"
            writer, shard = _parquet_writer(local, IMAGE_SCHEMA), 0
        writer.close()
        self.publish(local, f"images/data/train-{shard:05d}-of-{shards:05d}.parquet")
        self.result.counts["images"] = {
            "rows": rows_written,
            "by_country": dict(sorted(countries.items())),
            "by_language": dict(sorted(languages.items())),
        }

    def write_text(self, task: int, rows: Iterable[dict], progress: _Progress) -> None:
        name, schema = TEXT_TABLES[task]
        local = self.workdir / f"{name}.parquet"
        writer = _parquet_writer(local, schema)
        batch_size = _conf("ORGANIZERS_EXPORT_TEXT_BATCH_ROWS", 5000)
        written, groups = 0, Counter()
        batch: list[dict] = []
        for row in rows:
            row["license"] = LICENSE
            groups[row.get("language") or row.get("country")] += 1
            batch.append(row)
            if len(batch) >= batch_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                written += len(batch)
                progress.advance(len(batch))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            written += len(batch)
            progress.advance(len(batch))
        writer.close()
        self.publish(local, f"{name}/data/train-00000-of-00001.parquet")
        key = "by_language" if task in (3, 4) else "by_country"
        self.result.counts[name] = {"rows": written, key: dict(sorted(groups.items()))}

    def write_card(self, filters: export_selectors.ExportFilters) -> None:
        local = self.workdir / "README.md"
        local.write_text(dataset_card(filters=filters, counts=self.result.counts), encoding="utf-8")
        self.publish(local, "README.md")


def export_build(
    *, export: DatasetExport, on_progress: Callable[[int, int], None] | None = None
) -> ExportResult:
    """Write every file of `export` to storage; returns the file list and the counts."""
    filters = export_selectors.ExportFilters.of(export)
    text_sources = {
        task: export_selectors.export_text_rows(task=task, filters=filters)
        for task in export.effective_tasks
        if task in TEXT_TABLES
    }
    total = export_selectors.export_images(filters).count() if 1 in export.effective_tasks else 0
    total += sum(source.count() for source in text_sources.values() if source is not None)
    progress = _Progress(total, on_progress)
    with tempfile.TemporaryDirectory(prefix="seavl-export-") as workdir:
        writer = ExportWriter(export, Path(workdir))
        try:
            if 1 in export.effective_tasks:
                writer.write_images(filters, progress)
            for task, source in text_sources.items():
                if source is not None:
                    writer.write_text(task, source.rows(), progress)
            writer.write_card(filters)
        except BaseException:
            # Nothing half-written stays behind: a failed export releases no file at all.
            for file in writer.result.files:
                default_storage.delete(export.storage_name(file["path"]))
            raise
    writer.result.files.sort(key=lambda f: f["path"])
    return writer.result


def _yaml_configs(counts: dict) -> Iterator[str]:
    for name in ("images", *(table for table, _schema in TEXT_TABLES.values())):
        if name in counts:
            yield f"- config_name: {name}\n  data_files:\n  - split: train\n    path: {name}/data/train-*.parquet"


def dataset_card(*, filters: "export_selectors.ExportFilters", counts: dict) -> str:
    """The README.md of a release: what it holds, counts per country and language, licence, review."""
    lines = [
        "---",
        "license: cc-by-sa-4.0",
        "pretty_name: SEA-VL Phase 2 (crowdsourced)",
        "language:",
        *[f"- {code}" for code in export_selectors.export_language_codes(counts)],
        "configs:",
        *_yaml_configs(counts),
        "---",
        "",
        "# SEA-VL Phase 2: crowdsourced culturally-relevant data from Southeast Asia",
        "",
        "Contributed by volunteers of the SEA-VL Phase 2 campaign (SEACrowd) through the contribution portal.",
        "",
        "## Selection",
        "",
        f"- Submissions created from: {filters.date_from or 'the start of the campaign'}",
        f"- Submissions created until: {filters.date_to or 'the export'}",
        f"- Countries: {', '.join(filters.country_names) or 'all'}",
        f"- Tasks: {', '.join(str(t) for t in filters.tasks)}",
        "- Only accepted submissions. Images are the stored copies, with location (GPS) metadata removed.",
        "",
    ]
    if "images" in counts:
        images = counts["images"]
        lines += [
            "## Images (Task 1, rated in Task 2)",
            "",
            f"{images['rows']} images. Columns: `id`, `image`, `caption` (English), `caption_native_lang`, "
            "`culture_relevant_loc` (country names), `native_lang` (`Name (code)`), "
            "`avg_cultural_relevance` (mean of 1-5 ratings), `avg_caption_fit` and `avg_img_quality` "
            "(share of annotators answering yes), `n_annotator`, `license`, `attribution` (the contributor's "
            "display name or chosen pseudonym), `location` (as the contributor wrote it).",
            "",
            "| Country | Images |",
            "| --- | ---: |",
            *[f"| {name} | {n} |" for name, n in images["by_country"].items()],
            "",
            "| Native language | Images |",
            "| --- | ---: |",
            *[f"| {name} | {n} |" for name, n in images["by_language"].items()],
            "",
        ]
    titles = {
        "translations": "Translations (Task 3): columns `id`, `source_index`, `language`, `prompt`, `translation`",
        "visual_questions": "Visual questions (Task 4): columns `id`, `image_id`, `image_source`, `language`, "
        "`question`, `answer`",
        "generation_prompts": "Image-generation prompts (Task 5): columns `id`, `country`, `level`, `chain_id`, "
        "`prompt`",
    }
    for name, title in titles.items():
        if name not in counts:
            continue
        table = counts[name]
        key = "by_language" if "by_language" in table else "by_country"
        heading = "Language" if key == "by_language" else "Country"
        lines += [
            f"## {title}",
            "",
            f"{table['rows']} rows.",
            "",
            f"| {heading} | Rows |",
            "| --- | ---: |",
            *[f"| {group} | {n} |" for group, n in table[key].items()],
            "",
        ]
    lines += [
        "## How the data was reviewed",
        "",
        *export_selectors.export_review_description(),
        "",
        "## License",
        "",
        "Every contribution is the contributor's own work, licensed under Creative Commons "
        "Attribution-ShareAlike 4.0 (CC-BY-SA-4.0), as each contributor confirmed when submitting. "
        "Attribute with the `attribution` column. No e-mail addresses or private profile fields are included.",
        "",
    ]
    return "\n".join(lines)
