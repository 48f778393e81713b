"""Test images: photos with a GPS position, and the check for one."""

import io

import numpy as np
from PIL import ExifTags, Image


def jpeg_bytes(seed: int, *, gps: bool) -> bytes:
    """A small photo-like JPEG; with `gps`, its EXIF carries a GPS position (as a phone writes it)."""
    rng = np.random.default_rng(seed)
    pixels = (rng.random((48, 64, 3)) * 255).astype("uint8")
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (17.0, 58.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (102.0, 36.0, 0.0),
        }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def strip_metadata(data: bytes) -> bytes:
    """What the upload checks store: the pixels without EXIF."""
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
    return out.getvalue()
