"""Test images: skimage.data photos upscaled to phone-like sizes, and hand-made hostile files."""

import io
import struct
import zlib
from functools import cache

import numpy as np
from PIL import Image, ImageFilter

DEFAULT_SIZE = (768, 576)


@cache
def _source(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def photo(
    name: str = "astronaut", size=DEFAULT_SIZE, *, blur: float = 0, brightness: float = 1.0
) -> Image.Image:
    image = _source(name).resize(size, Image.Resampling.LANCZOS)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if brightness != 1.0:
        array = np.clip(np.asarray(image, dtype=np.float32) * brightness, 0, 255).astype(np.uint8)
        image = Image.fromarray(array)
    return image


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone X"  # Model
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif[0x013B] = "Jane Photographer"  # Artist
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (6.0, 10.0, 30.5)
    gps[3] = "E"
    gps[4] = (106.0, 49.0, 12.25)
    return exif


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg(name: str = "astronaut", size=DEFAULT_SIZE, *, quality: int = 90, exif=None, **kwargs) -> bytes:
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    return encode(photo(name, size, **kwargs), "JPEG", **options)


def png(name: str = "coffee", size=DEFAULT_SIZE, **kwargs) -> bytes:
    return encode(photo(name, size, **kwargs), "PNG")


def webp(name: str = "chelsea", size=DEFAULT_SIZE, **kwargs) -> bytes:
    return encode(photo(name, size, **kwargs), "WEBP", quality=85)


def heic(name: str = "rocket", size=DEFAULT_SIZE, *, exif=None) -> bytes:
    options = {"quality": 80}
    if exif is not None:
        options["exif"] = exif.tobytes()
    return encode(photo(name, size), "HEIF", **options)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims 900 megapixels: refused from the header, never decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def gps_in(data: bytes) -> bool:
    """Whether the bytes still carry GPS coordinates (or the identifying EXIF fields) we put in."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        gps = exif.get_ifd(0x8825)
        return (
            bool(gps)
            or exif.get(0xA431) is not None
            or exif.get(0x013B) is not None
            or b"SERIAL-123456" in data
        )


NOT_IMAGES = {
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48,
}


# The descriptions of a valid upload (tests pass their own to vary one field).
BASE_FIELDS = {
    "description": "Vendor grilling sticky rice in bamboo tubes at a morning market",
    "native_description": "Penjual membakar lemang di pasar pagi",
    "native_language": "Indonesian (ind)",
    "countries": ["ID"],
    "location": "Padang, Indonesia",
    "group": "",
    "license_confirmed": True,
}
