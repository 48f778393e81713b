"""Demo content for `make run`: a few Task 3 prompts (Aya Vision shape) with generated images, and a
few Task 4 pool images. Idempotent: the imports update what is already there."""

import json
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from texttasks.imports import benchmark_import, pool_images_import

DEMO_PROMPTS = [
    ("0", "Describe what the people in this picture are preparing and how.",
     "They are wrapping rice in banana leaves before steaming it.", "image captioning", ["0.jpg"]),
    ("1", "Which of the two charts shows the larger increase between 2019 and 2021?",
     "The chart on the right.", "chart/figure understanding", ["1a.png", "1b.png"]),
    ("2", "Transcribe the text written on the shop sign.", "KEDAI KOPI 1958", "text transcription", ["2.jpg"]),
    ("3", "What is unusual about the boat in this picture?", "It is painted in bright colours with an eye on the bow.",
     "visual reasoning", ["3.jpg"]),
]  # fmt: skip
DEMO_POOL = [("demo-pool-1", "A bowl of cendol with palm sugar syrup.", "Malaysia,Singapore"),
             ("demo-pool-2", "A floating market with boats selling fruit.", "Thailand"),
             ("demo-pool-3", "Dancers in traditional dress at a temple festival.", "Cambodia")]  # fmt: skip


def _picture(path: Path, colour: tuple[int, int, int], label: str) -> None:
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).text((20, 110), label, fill=(255, 255, 255))
    image.save(path)


def seed(stdout) -> None:
    with tempfile.TemporaryDirectory(prefix="seavl-demo-") as folder:
        folder = Path(folder)
        lines = []
        for n, (index, prompt, reference, category, images) in enumerate(DEMO_PROMPTS):
            for m, name in enumerate(images):
                _picture(folder / name, (40 + 50 * n, 90 + 30 * m, 120), f"{category} {m + 1}")
            lines.append(json.dumps({"index": index, "prompt": prompt, "reference": reference,
                                     "image_source": "demo", "image_source_category": category,
                                     "language": "eng_Latn", "image": images}))  # fmt: skip
        (folder / "prompts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = benchmark_import(path=folder / "prompts.jsonl", images_dir=folder, benchmark="aya-vision")
        pool = folder / "pool"
        pool.mkdir()
        rows = []
        for n, (ref, caption, countries) in enumerate(DEMO_POOL):
            _picture(pool / f"{ref}.jpg", (150, 60 + 40 * n, 40), caption[:30])
            rows.append(json.dumps({"id": ref, "file_name": f"{ref}.jpg", "caption": caption,
                                    "culture_relevant_loc": countries}))  # fmt: skip
        (pool / "metadata.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
        pool_result = pool_images_import(path=pool)
    stdout.write(
        f"Text tasks: {result.total} Task 3 prompts ({result.created} new), "
        f"{pool_result.total} Task 4 pool images ({pool_result.created} new)."
    )
