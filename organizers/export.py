"""Writing a dataset release: Parquet shards in the Hugging Face `datasets` layout and a dataset card.

Reproducible by construction: rows sorted by id, fixed batch and shard sizes, fixed Parquet writer
options, no timestamps or export ids inside any file. The same data and filters give byte-identical
files. Memory stays bounded: images are read, checked and written a batch at a time.
"""

import hashlib
import io
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, JpegImagePlugin

from organizers.dataset_card import dataset_card
from organizers.errors import ExportError
from organizers.models import DatasetExport
from organizers.release_tables import IMAGE_SCHEMA, LICENSE, TEXT_TABLES
from organizers.selectors import exports as export_selectors

IMAGE_FORMAT_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic", "GIF": "gif"}


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


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
