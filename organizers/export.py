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
                ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]), {"_type": "Image"}),
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


def _release_image(data: bytes, *, name: str, label) -> dict:
    """An image as a release holds it: upright, checked free of GPS data, named by `name`."""
    data = image_upright(data)
    if not isinstance(label, str):
        label = _("Image %(id)s") % {"id": label}
    image_format = image_ensure_no_gps(data, label=label)
    extension = IMAGE_FORMAT_EXTENSIONS.get(image_format, image_format.lower() or "bin")
    return {"bytes": data, "path": f"{name}.{extension}"}


@dataclass
class ExportResult:
    files: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    # Every Task 1 image the release holds (its images table, the images of its visual questions).
    image_ids: set[int] = field(default_factory=set)


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
                row["image"] = _release_image(row.pop("image_bytes"), name=str(row["id"]), label=row["id"])
                row["license"] = LICENSE
                self.result.image_ids.add(row["id"])
                rows.append(row)
                countries.update(row.pop("country_names"))
                languages[row["native_lang"]] += 1
            writer.write_table(pa.Table.from_pylist(rows, schema=IMAGE_SCHEMA))
            rows_written += len(rows)
            progress.advance(len(rows))
        if writer is None:  # no rows: no table (an empty config would not load)
            return
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
        writer = None
        # Task 4's rows carry their image: a batch holds as many as the image batches do.
        if task == 4:
            batch_size = _conf("ORGANIZERS_EXPORT_BATCH_ROWS", 50)
        else:
            batch_size = _conf("ORGANIZERS_EXPORT_TEXT_BATCH_ROWS", 5000)
        written, groups = 0, Counter()
        batch: list[dict] = []
        for row in rows:
            if writer is None:
                writer = _parquet_writer(local, schema)
            row["license"] = LICENSE
            if task == 4:
                self._attach_question_image(row)
            groups[row.get("language") or row.get("country")] += 1
            batch.append(row)
            if len(batch) >= batch_size:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                written += len(batch)
                progress.advance(len(batch))
                batch = []
        if writer is None:  # no rows: no table (an empty config would not load)
            return
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            written += len(batch)
            progress.advance(len(batch))
        writer.close()
        self.publish(local, f"{name}/data/train-00000-of-00001.parquet")
        key = "by_language" if task in (3, 4) else "by_country"
        self.result.counts[name] = {"rows": written, key: dict(sorted(groups.items()))}

    def _attach_question_image(self, row: dict) -> None:
        """A visual question is released with its image, so the table stands alone."""
        submission_id, name = row.pop("image_submission_id"), row.pop("image_file")
        if submission_id:
            self.result.image_ids.add(submission_id)
        if not name:
            raise ExportError(_("Visual question %(id)s has no image file.") % {"id": row["id"]})
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        label = f"{row['id']}-{submission_id or row['image_source'] or 'pool'}"
        row["image"] = _release_image(
            data, name=label, label=_("The image of visual question %(id)s") % {"id": row["id"]}
        )

    def write_card(self, filters: export_selectors.ExportFilters) -> None:
        local = self.workdir / "README.md"
        card = dataset_card(
            filters=filters,
            counts=self.result.counts,
            change_log=export_selectors.export_change_log(before=self.export),
        )
        local.write_text(card, encoding="utf-8")
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


# What each column of each table means, for the dataset card (its type comes from the table's schema).
COLUMN_MEANINGS: dict[str, list[tuple[str, str]]] = {
    "images": [
        ("id", "the image's id in the portal; stable across releases"),
        ("image", "the photo (bytes and file name), upright, with location (GPS) metadata removed"),
        ("caption", "the contributor's description in English"),
        ("caption_native_lang", "the same description in the contributor's native language"),
        ("culture_relevant_loc", "the countries whose culture the image shows, comma-separated names"),
        ("native_lang", "the language of `caption_native_lang`, written `Name (ISO 639-3 code)`"),
        ("avg_cultural_relevance", "mean of the annotators' cultural relevance ratings, on a 1-5 scale"),
        ("avg_caption_fit", 'share of annotators answering yes to "the caption fits", from 0 to 1'),
        ("avg_img_quality", 'share of annotators answering yes to "the quality is acceptable", from 0 to 1'),
        ("n_annotator", "number of counted ratings the three scores are computed from"),
        ("license", "the licence of the row"),
        ("attribution", "the contributor's display name or chosen pseudonym"),
        ("location", "where the photo was taken, as the contributor wrote it"),
    ],
    "translations": [
        ("id", "the translation's id in the portal"),
        ("source_index", "the index of the prompt in its source benchmark"),
        ("language", "the language of the translation (ISO 639-3 code)"),
        ("prompt", "the English prompt that was translated"),
        ("translation", "the translation"),
        ("license", "the licence of the row"),
        ("attribution", "the translator's display name or chosen pseudonym"),
    ],
    "visual_questions": [
        ("id", "the question's id in the portal"),
        ("image", "the image the question is about (bytes and file name), so the table stands alone"),
        ("image_id", "the `id` of the image in the `images` table when it is a Task 1 image, else null"),
        ("image_source", "where an image not contributed in Task 1 came from"),
        ("language", "the language of the question and answer (ISO 639-3 code)"),
        ("question", "the question about the image"),
        ("answer", "its answer"),
        ("license", "the licence of the row"),
        ("attribution", "the writer's display name or chosen pseudonym"),
    ],
    "generation_prompts": [
        ("id", "the prompt's id in the portal"),
        ("country", "the country whose culture the prompt describes"),
        ("level", "the prompt's level in its chain: 1 (simple) to 3 (most specific)"),
        ("chain_id", "the chain the prompt belongs to; the levels of a chain share it"),
        ("prompt", "the image-generation prompt, in English"),
        ("license", "the licence of the row"),
        ("attribution", "the writer's display name or chosen pseudonym"),
    ],
}
TABLE_SCHEMAS = {"images": IMAGE_SCHEMA, **{name: schema for name, schema in TEXT_TABLES.values()}}


def _feature_type(schema: pa.Schema, column: str) -> str:
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    feature = features[column]
    return feature["dtype"] if feature["_type"] == "Value" else feature["_type"]


def _schema_lines(name: str) -> list[str]:
    schema = TABLE_SCHEMAS[name]
    lines = ["| Column | Type | Meaning |", "| --- | --- | --- |"]
    for column, meaning in COLUMN_MEANINGS[name]:
        lines.append(f"| `{column}` | {_feature_type(schema, column)} | {meaning} |")
    return lines


def _change_log_lines(change_log: list[dict]) -> list[str]:
    if not change_log:
        return []
    lines = [
        "## Change log",
        "",
        "Images taken down after an earlier release (at a contributor's request or for personal data) are "
        "not in this release. Copies of the earlier releases below must be replaced by this one.",
        "",
        "| Earlier release | Released | Superseded | Images taken down |",
        "| --- | --- | --- | --- |",
    ]
    for entry in change_log:
        images = ", ".join(str(i) for i in entry["image_ids"])
        lines.append(f"| {entry['release']} | {entry['released']} | {entry['superseded']} | {images} |")
    return [*lines, ""]


def dataset_card(
    *, filters: "export_selectors.ExportFilters", counts: dict, change_log: list[dict] | None = None
) -> str:
    """The README.md of a release: what it holds (each table's columns, types and meaning), counts per
    country and language, licence, how it was reviewed, and which earlier releases it replaces."""
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
        "License: CC-BY-SA-4.0 (Creative Commons Attribution-ShareAlike 4.0), see below.",
        "",
        "## Selection",
        "",
        f"- Submissions created from: {filters.date_from or 'the start of the campaign'}",
        f"- Submissions created until: {filters.date_to or 'the export'}",
        f"- Countries: {', '.join(filters.country_names) or 'all'}",
        f"- Tasks: {', '.join(str(t) for t in filters.tasks)}",
        "- Only accepted submissions. Images are the stored copies, with location (GPS) metadata removed.",
        "- Tables with no rows in this selection are left out.",
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
            *_schema_lines("images"),
            "",
            "Images per country (an image showing two countries counts in both):",
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
        "visual_questions": "Visual questions (Task 4): columns `id`, `image`, `image_id`, `image_source`, "
        "`language`, `question`, `answer`",
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
            *_schema_lines(name),
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
        *_change_log_lines(change_log or []),
        "## License",
        "",
        "Every contribution is the contributor's own work, licensed under Creative Commons "
        "Attribution-ShareAlike 4.0 (CC-BY-SA-4.0), as each contributor confirmed when submitting. "
        "Attribute with the `attribution` column. No e-mail addresses or private profile fields are included.",
        "",
    ]
    return "\n".join(lines)
