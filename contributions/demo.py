"""Demo images for `make run`: a few generated photos from the demo contributor, checked in-process, so
that some wait in review for the demo annotator and one shows a rejection. Idempotent."""

import io

import numpy as np
from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw

from contributions.models import ImageSubmission
from contributions.pipeline import image_submission_check
from contributions.services import image_submission_create

DEMO_CONTRIBUTOR = "contributor@seavl.local"
DEMO_IMAGES = [
    # seed, size, English, native (Lao), countries, location
    (
        1,
        (960, 720),
        "Sticky rice steamed in bamboo baskets at a morning market",
        "ເຂົ້າໜຽວໃນຕະຫຼາດເຊົ້າ",
        ["LA"],
        "Luang Prabang, Laos",
    ),
    (
        2,
        (800, 800),
        "Monks collecting alms at dawn (tak bat)",
        "ຕັກບາດຕອນເຊົ້າ",
        ["LA", "TH"],
        "Luang Prabang, Laos",
    ),
    (
        3,
        (1024, 680),
        "Boat racing during Boun Ok Phansa on the Mekong",
        "ບຸນອອກພັນສາ",
        ["LA"],
        "Vientiane, Laos",
    ),
    (4, (720, 960), "Weaving a silk sinh on a wooden loom", "ຕ່ຳແຜ່ນຊິ້ນ", ["LA", "KH"], "Vientiane, Laos"),
    (
        5,
        (400, 300),
        "A small photo of a that (stupa)",
        "ທາດ",
        ["LA"],
        "Vientiane, Laos",
    ),  # too small: rejected
]


def _generated_photo(seed: int, size: tuple[int, int]) -> bytes:
    """A sharp, distinct picture: coloured shapes over a gradient, different for every seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.linspace(0, 1, width)[None, :, None] * rng.uniform(60, 200, 3)
    base = (np.ones((height, 1, 1)) * ramp + rng.uniform(0, 50, 3)).astype(np.uint8)
    image = Image.fromarray(base, "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x0, y0 = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        x1, y1 = x0 + int(rng.uniform(20, width / 3)), y0 + int(rng.uniform(20, height / 3))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=colour, outline=(0, 0, 0), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def seed(stdout) -> None:
    contributor = get_user_model().objects.filter(email=DEMO_CONTRIBUTOR).first()
    if contributor is None or ImageSubmission.objects.filter(contributor=contributor, source="demo").exists():
        return
    for number, size, description, native, countries, location in DEMO_IMAGES:
        submission = image_submission_create(
            contributor=contributor,
            upload=_generated_photo(number, size),
            filename=f"demo-{number}.jpg",
            description=description,
            native_description=native,
            native_language="Lao (lao)",
            countries=countries,
            location=location,
            license_confirmed=True,
            source="demo",
        )
        image_submission_check(submission_id=submission.pk)  # no-op when the eager task already ran
    statuses = ImageSubmission.objects.filter(contributor=contributor, source="demo").values_list(
        "status", flat=True
    )
    stdout.write(f"Demo images: {len(statuses)} ({sum(s == 'in_review' for s in statuses)} in review).")
