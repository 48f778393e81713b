"""Data for the page walks, made through the services as people's actions would make it.

Every import of an app's services is inside the function that uses it, so that a module that moves
(issue 12) is fixed here in one place.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "contributions"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "texttasks"))
from image_helpers import BASE_FIELDS, jpeg  # noqa: E402
from text_helpers import sample_rows, write_benchmark  # noqa: E402


def small_png(seed: int, size: tuple[int, int] = (48, 32)) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def image_submitted(contributor, *, photo: str = "astronaut", countries=("TH",), **fields):
    """A Task 1 photo uploaded through the upload service (the checks run at once in the tests)."""
    from contributions.services import image_submission_create

    values = {**BASE_FIELDS, "countries": list(countries), **fields}
    return image_submission_create(
        contributor=contributor, upload=ContentFile(jpeg(photo), name=f"{photo}.jpg"), **values
    )


def screening_items(countries=("TH",), count: int = 12) -> list:
    """Screening photos with their expected answers (organizers add them in the admin)."""
    from review.models import ScreeningItem

    items = []
    for n in range(count):
        item = ScreeningItem(
            description=f"Screening photo {n}: a market stall",
            expected_relevance=4,
            expected_caption_fit=True,
            expected_quality_ok=True,
            explanation=f"Explanation number {n}",
            use_as_gold=True,
        )
        item.image.save("x.png", ContentFile(small_png(1000 + n)), save=False)
        item.save()
        item.countries.set(countries)
        items.append(item)
    return items


def qualify(user, countries=("TH",)) -> None:
    """The user passed the screening test for these countries."""
    from accounts.roles import ANNOTATOR
    from accounts.services import user_grant_role
    from review.models import AnnotatorQualification

    user_grant_role(user=user, role=ANNOTATOR)
    for code in countries:
        AnnotatorQualification.objects.get_or_create(user=user, country_id=code)


def benchmark_prompts(folder: Path) -> list:
    from texttasks.imports import benchmark_import
    from texttasks.models import BenchmarkPrompt

    path = write_benchmark(folder / "aya", sample_rows())
    benchmark_import(path=path, images_dir=path.parent)
    return list(BenchmarkPrompt.objects.order_by("position"))


def pool_images(folder: Path) -> list:
    from text_helpers import picture_bytes

    from texttasks.imports import pool_images_import
    from texttasks.models import PoolImage

    folder = folder / "pool"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, countries in enumerate(["Thailand", "Thailand", "Indonesia"]):
        (folder / f"{n}.jpg").write_bytes(picture_bytes(100 + n, size=(96, 64)))
        rows.append({"id": f"img-{n}", "file_name": f"{n}.jpg", "caption": f"Caption {n}",
                     "culture_relevant_loc": countries})  # fmt: skip
    (folder / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    pool_images_import(path=folder)
    return list(PoolImage.objects.order_by("source_ref"))


def translator(user, language: str = "tha") -> None:
    from texttasks.translations import translator_enroll

    translator_enroll(user=user, language_code=language)


def text_submissions(user, prompts) -> None:
    """A pending translation and a pending three-level chain, waiting for moderation."""
    from texttasks.prompts import generation_chain_create
    from texttasks.translations import translation_save

    translation_save(user=user, prompt_id=prompts[0].pk, text="อธิบายว่าผู้คนในภาพกำลังเตรียมอะไร", submit=True)
    dish = "es teler"
    generation_chain_create(
        user=user,
        country_code="ID",
        levels=[
            f"Draw an image of people drinking {dish}.",
            f"Draw an image of people drinking {dish} with durian topping.",
            f"Draw an image of people drinking {dish} with durian topping while wearing kebaya.",
        ],
    )


def points_for(user, count: int = 3) -> None:
    from django.utils import timezone

    from points.ledger import ledger_credit_event
    from points.recompute import points_recompute

    for n in range(count):
        ledger_credit_event(
            contributor_id=user.pk,
            task_number=4,
            source="texttasks.question",
            source_id=10_000 + user.pk * 100 + n,
            occurred_at=timezone.now(),
            language_code="khm",
        )
    points_recompute()
