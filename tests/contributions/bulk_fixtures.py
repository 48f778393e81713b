"""Building bulk uploads for the tests: the campaign's sample CSV, generated photos, ZIPs in memory."""

import io
import stat
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLE_CSV = Path(__file__).parent / "data" / "bulk-example.csv"
SAMPLE_FILES = [
    "Market (1) - Sample Contributor.jpg",
    "Market (2) - Sample Contributor.jpg",
    "Market (3) - Sample Contributor.jpg",
    "Temple gate.jpg",
]
HEADER = (
    "annotation_id,annotator,email,created_at,timestamp,id,image,lead_time,text_cap_en,text_cap_native,"
    "text_culture_loc,text_image_loc,text_submitter_native_lang,updated_at,similarity_id"
)


def photo(seed: int, size=(640, 512)) -> bytes:
    """A sharp, distinct JPEG (random blocks and noise): no two seeds look alike to a perceptual hash."""
    rng = np.random.default_rng(seed)
    width, height = size
    blocks = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    base = np.kron(blocks, np.ones((height // 8 + 1, width // 8 + 1, 1), dtype=np.uint8))[:height, :width]
    noise = rng.integers(-40, 40, size=(height, width, 3))
    pixels = np.clip(base.astype(int) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def sample_csv() -> bytes:
    return SAMPLE_CSV.read_bytes()


def csv_from(rows: list[dict], *, header: str = HEADER, newline: str = "\n") -> bytes:
    """A CSV in the bulk format; each row gives some columns, the rest stay empty."""
    import csv

    columns = header.split(",")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def row(image: str, **fields) -> dict:
    values = {
        "image": image,
        "text_cap_en": f"A photo named {image}",
        "text_cap_native": f"Foto {image}",
        "text_culture_loc": "Indonesia",
        "text_image_loc": "Jakarta, Indonesia",
        "text_submitter_native_lang": "Indonesian (ind)",
    }
    values.update(fields)
    return values


def zip_of(members: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def sample_zip(*, folder: str = "photos/", seed: int = 1, with_csv: bool = False) -> bytes:
    members = {f"{folder}{name}": photo(seed * 100 + index) for index, name in enumerate(SAMPLE_FILES)}
    if with_csv:
        members["bulk.csv"] = sample_csv()
    return zip_of(members)
