"""A phone photo taken sideways (EXIF Orientation 6) is released upright, without the tag."""

import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image
from test_dataset_export import image_table, run_export

from organizers.export import image_upright

pytestmark = pytest.mark.django_db


def sideways_jpeg(*, orientation: int = 6) -> bytes:
    """Stored 64 x 48, left half red and right half blue (with noise, so it is sharp); Orientation 6
    means "turn 90° clockwise to view": the viewer sees 48 x 64 with red on top. With GPS, as phones do."""
    rng = np.random.default_rng(6)
    pixels = (rng.random((48, 64, 3)) * 60).astype("uint8")
    pixels[:, :32, 0] += 190
    pixels[:, 32:, 2] += 190
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (17.0, 58.0, 0.0),
    }
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def red_on_top(data: bytes) -> tuple[tuple[int, int], bool, int | None]:
    with Image.open(io.BytesIO(data)) as image:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        pixels = np.asarray(image.convert("RGB"), dtype=float)
        size = image.size
    top, bottom = pixels[: size[1] // 2], pixels[size[1] // 2 :]
    on_top = (
        top[..., 0].mean() > top[..., 2].mean() + 80 and bottom[..., 2].mean() > bottom[..., 0].mean() + 80
    )
    return size, on_top, orientation


def test_a_sideways_photo_is_exported_upright_without_its_orientation_tag(organizer, submit_image):
    image = submit_image(countries=("TH",), upload=sideways_jpeg())
    assert (image.width, image.height) == (48, 64)
    with default_storage.open(image.display.name, "rb") as handle:  # the display copy is upright already
        assert red_on_top(handle.read())[:2] == ((48, 64), True)

    export = run_export(organizer, tasks=[1])

    (row,) = image_table(export)[0].to_pylist()
    size, on_top, orientation = red_on_top(row["image"]["bytes"])
    assert size == (48, 64) and on_top and orientation is None
    assert row["image"]["path"] == f"{image.pk}.jpg"


def test_an_upright_image_is_exported_byte_for_byte_and_the_rotation_is_deterministic():
    upright = sideways_jpeg(orientation=1)
    assert image_upright(upright) == upright
    sideways = sideways_jpeg()
    assert image_upright(sideways) == image_upright(sideways)
