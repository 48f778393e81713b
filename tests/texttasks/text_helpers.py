"""Helpers for the text-task tests (a uniquely named module: every tests folder has a conftest)."""

import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

# The Aya Vision Benchmark sample in its exact shape (a copy of shared/formats/aya-sample.jsonl).
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "aya-sample.jsonl"


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


def chain(dish: str = "es teler") -> list[str]:
    """A Task 5 chain that builds up level by level (the spec's example with another drink: the spec's
    own example is refused). A different `dish` makes a chain that repeats no earlier prompt."""
    return [
        f"Draw an image of people drinking {dish}.",
        f"Draw an image of people drinking {dish} with durian topping.",
        f"Draw an image of people drinking {dish} with durian topping while wearing kebaya.",
    ]


CHAIN = chain()
