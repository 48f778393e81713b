"""Fixtures of the text tasks: generated benchmark files (the Aya sample's shape) and pool images."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from texttasks.imports import benchmark_import, pool_images_import

SAMPLE = Path("/work/shared/formats/aya-sample.jsonl")


def picture_bytes(seed: int, fmt: str = "JPEG", size=(48, 32)) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def write_benchmark(folder: Path, rows: list[dict]) -> Path:
    """A JSONL in the Aya sample's shape, with generated images for every name it mentions."""
    folder.mkdir(parents=True, exist_ok=True)
    for row in rows:
        for n, name in enumerate(row.get("image") or []):
            fmt = "PNG" if name.endswith(".png") else "JPEG"
            (folder / name).write_bytes(picture_bytes(hash((row.get("index"), n)) % 10_000, fmt))
    path = folder / "prompts.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def sample_rows() -> list[dict]:
    if SAMPLE.exists():
        return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        {"index": "0", "prompt": "Describe what the people in this picture are preparing and how.",
         "reference": "They are wrapping rice in banana leaves.", "image_source": "sample",
         "image_source_category": "image captioning", "language": "eng_Latn", "image": ["0.jpg"]},
        {"index": "1", "prompt": "Which of the two charts shows the larger increase?", "reference": "The right one.",
         "image_source": "sample", "image_source_category": "chart/figure understanding", "language": "eng_Latn",
         "image": ["1a.png", "1b.png"]},
        {"index": "2", "prompt": "Transcribe the text written on the shop sign.", "reference": "KEDAI KOPI 1958",
         "image_source": "sample", "image_source_category": "text transcription", "language": "eng_Latn",
         "image": ["2.jpg"]},
    ]  # fmt: skip


@pytest.fixture
def benchmark_files(tmp_path) -> Path:
    return write_benchmark(tmp_path / "aya", sample_rows())


@pytest.fixture
def prompts(db, benchmark_files):
    """The sample's three prompts, imported through the service."""
    from texttasks.models import BenchmarkPrompt

    benchmark_import(path=benchmark_files, images_dir=benchmark_files.parent)
    return list(BenchmarkPrompt.objects.order_by("position"))


@pytest.fixture
def pool(db, tmp_path):
    """Three imported pool images: two of Thailand, one of Indonesia."""
    from texttasks.models import PoolImage

    folder = tmp_path / "pool"
    folder.mkdir()
    rows = []
    for n, countries in enumerate(["Thailand", "Thailand", "Indonesia"]):
        (folder / f"{n}.jpg").write_bytes(picture_bytes(100 + n))
        rows.append({"id": f"img-{n}", "file_name": f"{n}.jpg", "caption": f"Caption {n}",
                     "culture_relevant_loc": countries})  # fmt: skip
    (folder / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    pool_images_import(path=folder)
    return list(PoolImage.objects.order_by("source_ref"))


@pytest.fixture
def translator(make_user):
    """A contributor enrolled as a Thai translator."""
    from texttasks.services import translator_enroll

    def make(language: str = "tha", **kwargs):
        user = make_user(**kwargs)
        translator_enroll(user=user, language_code=language)
        return user

    return make
