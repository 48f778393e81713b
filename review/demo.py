"""Demo data for `make run`: screening items (generated pictures) and the demo annotator qualified for
Thailand, Indonesia and Laos. Idempotent."""

import io

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image

from accounts.roles import ANNOTATOR
from accounts.services import user_grant_role
from review.models import AnnotatorQualification, ScreeningItem
from review.queue import review_items_sync

DEMO_ANNOTATOR = "annotator@seavl.local"
DEMO_COUNTRIES = ("TH", "ID", "LA")

# description, countries, expected relevance, fits, quality ok, explanation
SCREENING_ITEMS = [
    (
        "Khao niao (sticky rice) served in a bamboo basket",
        ["LA", "TH"],
        5,
        True,
        True,
        "Sticky rice in a woven basket is typical of Lao and northeastern Thai meals.",
    ),
    (
        "A plain white coffee mug on a desk",
        ["TH"],
        1,
        True,
        True,
        "A generic object with nothing specific to the culture: relevance 1.",
    ),
    (
        "Wayang kulit shadow puppets before a performance",
        ["ID"],
        5,
        True,
        True,
        "Shadow puppetry is a well known Javanese tradition.",
    ),
    (
        "Boun That Luang festival procession in Vientiane",
        ["LA"],
        5,
        True,
        False,
        "Very relevant, but the photo is too blurred to see the procession: quality not acceptable.",
    ),
    (
        "Nasi goreng with a fried egg",
        ["ID"],
        4,
        False,
        True,
        "The picture shows noodles, not fried rice: the description does not fit.",
    ),
    (
        "Tuk-tuk on a busy street in Bangkok at night",
        ["TH"],
        4,
        True,
        True,
        "Tuk-tuks are an everyday, recognisable part of Thai city life.",
    ),
    (
        "Batik cloth being waxed with a canting",
        ["ID"],
        5,
        True,
        True,
        "Hand-drawn batik with a canting is a core Indonesian craft.",
    ),
    (
        "A shopping mall food court",
        ["LA"],
        2,
        True,
        True,
        "Food courts look the same everywhere; barely related to Lao culture.",
    ),
    (
        "Monks receiving alms at dawn in Luang Prabang",
        ["LA"],
        5,
        True,
        True,
        "The morning alms round (tak bat) is a defining Lao practice.",
    ),
    (
        "Songkran water fight with a finger over the lens",
        ["TH"],
        5,
        True,
        False,
        "Relevant, but a finger hides much of the picture: quality not acceptable.",
    ),
    (
        "Rendang simmering in a wok",
        ["ID"],
        5,
        True,
        True,
        "Rendang is a Minangkabau dish known across Indonesia.",
    ),
    ("A laptop keyboard", ["ID", "TH", "LA"], 1, True, True, "Nothing cultural in the picture."),
]


def _picture(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 215, size=3)
    gradient = np.linspace(0, 1, 480)[None, :, None]
    pixels = (base[None, None, :] * (0.5 + gradient) + rng.normal(0, 12, size=(360, 480, 3))).clip(0, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def seed(stdout) -> None:
    created = 0
    for i, (description, countries, relevance, fits, quality, explanation) in enumerate(SCREENING_ITEMS):
        if ScreeningItem.objects.filter(description=description).exists():
            continue
        item = ScreeningItem(
            description=description,
            expected_relevance=relevance,
            expected_caption_fit=fits,
            expected_quality_ok=quality,
            explanation=explanation,
        )
        item.image.save("display.jpg", ContentFile(_picture(i)), save=False)
        item.save()
        item.countries.set(countries)
        created += 1
    annotator = get_user_model().objects.filter(email=DEMO_ANNOTATOR).first()
    if annotator is not None:
        user_grant_role(user=annotator, role=ANNOTATOR)
        AnnotatorQualification.objects.bulk_create(
            [AnnotatorQualification(user=annotator, country_id=code) for code in DEMO_COUNTRIES],
            ignore_conflicts=True,
        )
    queued = review_items_sync()
    stdout.write(
        f"Review: {created} screening items added; {DEMO_ANNOTATOR} reviews {', '.join(DEMO_COUNTRIES)}; "
        f"{queued} images put in the review queue."
    )
