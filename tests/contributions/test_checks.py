"""Tests of contributions.checks: pure functions, no Django (run with -p no:django).

Images are generated with Pillow/numpy or taken from skimage.data, kept small so the file runs in
a few seconds.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageFile, ImageFilter, ImageOps, features
from PIL.PngImagePlugin import PngInfo
from skimage import data as skdata

from contributions import checks
from contributions.checks import (
    ACCEPTED_FORMATS,
    DEFAULT_BLUR_FLAG_BELOW,
    DEFAULT_BLUR_REJECT_BELOW,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    ImageAnalysis,
    ImageCheckError,
    analyse_image,
    blur_verdict,
    check_image,
    detect_format,
    hamming_distance,
    laplacian_variance,
    measure_sharpness,
    perceptual_hash,
    read_dimensions,
)

GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description photoshop:City="Hue"/></rdf:RDF></x:xmpmeta>'
HTML_PAYLOAD = b"<html><script>alert(document.cookie)</script></html>"
HAS_AVIF = features.check("avif")  # Pillow's own AVIF plugin (wheels since 11.3)
needs_avif = pytest.mark.skipif(not HAS_AVIF, reason="this Pillow cannot write AVIF")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


@functools.cache
def photo(name: str = "astronaut", size: tuple[int, int] = (1024, 768)) -> Image.Image:
    arr = getattr(skdata, name)()
    img = Image.fromarray(arr).convert("RGB")
    return img.resize(size, Image.Resampling.BICUBIC)


def quadrant_image(size: tuple[int, int] = (800, 600)) -> Image.Image:
    """Gray with a red top-left and a blue bottom-right corner, to see where a rotation puts them."""
    img = Image.new("RGB", size, (128, 128, 128))
    w, h = size
    img.paste((255, 0, 0), (0, 0, w // 4, h // 4))
    img.paste((0, 0, 255), (w - w // 4, h - h // 4, w, h))
    return img


def identifying_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15 Pro"  # Model
    exif[0x013B] = "Nguyen Van A"  # Artist
    exif[0x8298] = "(c) Nguyen Van A"  # Copyright
    if orientation is not None:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (16.0, 27.0, 50.4)
    gps[3] = "E"
    gps[4] = (107.0, 35.0, 25.2)
    ifd = exif.get_ifd(0x8769)  # Exif IFD
    ifd[0xA431] = "SN-0123456789"  # BodySerialNumber
    ifd[0xA430] = "Nguyen Van A"  # CameraOwnerName
    ifd[0x927C] = b"Apple iOS\x00\x00\x01MM secret maker note"  # MakerNote
    return exif


@functools.cache
def srgb_icc() -> bytes:  # cached: the profile embeds its creation time
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def app_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def insert_after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def save(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of the segments before the first scan."""
    out, pos = [], 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        out.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:
            return out
        pos += 2 + length


def jpeg_scan_data(data: bytes) -> list[bytes]:
    """Each scan (SOS segment + entropy-coded data), found by walking the marker segments."""
    scans, pos = [], 2
    while data[pos + 1] != 0xD9:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        end = pos + 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xDA:
            end = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]").search(data, end).start()
            scans.append(data[pos:end])
        pos = end
    return scans


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((ctype, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
        if ctype == b"IEND":
            break
    return out


def riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 12
    end = 8 + struct.unpack("<I", data[4:8])[0]
    while pos < end:
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        out.append((fourcc, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return out


def assert_no_identifying_metadata(data: bytes) -> None:
    img = Image.open(io.BytesIO(data))
    exif = img.getexif()
    assert not exif.get_ifd(GPS_IFD), "GPS IFD survived"
    assert set(exif) <= {ORIENTATION}, f"EXIF tags survived: {sorted(exif)}"
    assert not exif.get_ifd(0x8769), "Exif IFD survived"
    for needle in (
        b"Nguyen",
        b"SN-0123456789",
        b"iPhone",
        b"photoshop:City",
        b"xmpmeta",
        b"secret",
        b"2024:",
    ):
        assert needle not in data, f"{needle!r} survived"
    assert "xmp" not in img.info or not img.info["xmp"]


def expect_error(code: str, data: bytes, **kwargs) -> ImageCheckError:
    with pytest.raises(ImageCheckError) as info:
        analyse_image(data, **kwargs)
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value.message}"
    assert info.value.message and str(info.value) == info.value.message
    return info.value


# ---------------------------------------------------------------------------------------------
# Format detection and unsupported files
# ---------------------------------------------------------------------------------------------

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>" + b" " * 600
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 2000
MZ = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 2000
    + b"This program cannot be run in DOS mode"
)
TEXT = b"Just a text file that somebody renamed photo.jpg\n" * 40


def test_accepted_formats_contract():
    assert ACCEPTED_FORMATS == {
        "jpeg": "image/jpeg",
        "png": "image/png",
        "webp": "image/webp",
        "heif": "image/heic",
    }
    assert MAX_UPLOAD_BYTES == 25 * 1024 * 1024
    assert MAX_PIXELS == 120_000_000


def test_detect_format_by_content():
    img = photo(size=(64, 48))
    assert detect_format(save(img, "JPEG")[:64]) == "jpeg"
    assert detect_format(save(img, "PNG")[:64]) == "png"
    assert detect_format(save(img, "WEBP")[:64]) == "webp"
    assert detect_format(save(img, "HEIF")[:64]) == "heif"
    for other in ("GIF", "TIFF", "BMP", "PDF", "ICO") + (("AVIF",) if HAS_AVIF else ()):
        assert detect_format(save(img, other)[:64]) is None, other
    for blob in (SVG, HTML, PDF, ELF, MZ, TEXT, b"", b"\xff\xd8"):
        assert detect_format(blob[:64]) is None


def test_detect_format_heif_brands():
    def ftyp(major: bytes, *compatible: bytes) -> bytes:
        body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
        return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 32

    assert detect_format(ftyp(b"heic", b"mif1", b"heic", b"miaf", b"MiHB")) == "heif"
    assert detect_format(ftyp(b"mif1", b"mif1", b"heic")) == "heif"
    assert detect_format(ftyp(b"heix", b"mif1")) == "heif"
    assert detect_format(ftyp(b"avif", b"mif1", b"miaf")) is None
    assert detect_format(ftyp(b"mif1", b"avif", b"mif1", b"miaf")) is None
    assert detect_format(ftyp(b"isom", b"mp41")) is None  # an MP4 video
    assert detect_format(ftyp(b"qt  ")) is None


@pytest.mark.parametrize(
    "blob",
    [SVG, HTML, PDF, ELF, MZ, TEXT],
    ids=["svg", "html", "pdf", "elf-renamed-jpg", "mz-exe-renamed-jpg", "text-renamed-jpg"],
)
def test_non_images_are_unsupported(blob):
    expect_error("unsupported_type", blob)
    with pytest.raises(ImageCheckError, match="not a JPEG, PNG, WebP or HEIC"):
        read_dimensions(blob)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP", pytest.param("AVIF", marks=needs_avif), "PDF"])
def test_other_image_formats_are_unsupported(fmt):
    expect_error("unsupported_type", save(photo(size=(640, 520)), fmt))


def test_animated_images_are_refused_as_animated():
    frames = [photo(size=(640, 520)), photo("coffee", (640, 520))]
    apng = save(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert detect_format(apng) == "png"
    expect_error("animated", apng)
    webp = save(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    expect_error("animated", webp)
    with pytest.raises(ImageCheckError, match="Animated images are not accepted: upload a still photo."):
        analyse_image(webp)


# ---------------------------------------------------------------------------------------------
# Size limits: bytes, pixels (decompression bombs), short side
# ---------------------------------------------------------------------------------------------


def test_too_large_is_refused_before_anything_else():
    blob = save(photo(size=(800, 600)), "JPEG")
    expect_error("too_large", blob + b"\x00" * (MAX_UPLOAD_BYTES - len(blob) + 1))
    # exactly at the limit is not "too large" (the trailing padding is dropped from clean_bytes)
    at_limit = blob + b"\x00" * (MAX_UPLOAD_BYTES - len(blob))
    assert analyse_image(at_limit).clean_bytes == analyse_image(blob).clean_bytes


def bomb_png(width: int, height: int, bit_depth: int = 8, color_type: int = 2) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return (
        checks._PNG_SIGNATURE + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def forbid_decoding(monkeypatch):
    """Call it once the inputs are built: from then on any Pillow open or pixel decode fails the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError("Pillow was asked to open or decode")

    def forbid():
        monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)
        monkeypatch.setattr(Image, "open", forbidden)

    return forbid


def test_decompression_bomb_png_refused_without_decoding(forbid_decoding):
    bomb = bomb_png(20000, 20000)
    assert len(bomb) < 200
    forbid_decoding()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning either
        err = expect_error("too_many_pixels", bomb)
        with pytest.raises(ImageCheckError) as info:
            read_dimensions(bomb)
    assert info.value.code == "too_many_pixels"
    assert "400 megapixels" in err.message


def test_decompression_bombs_in_other_formats(forbid_decoding):
    small = photo(size=(64, 64))
    # JPEG: a frame header declaring 60000 x 60000
    jpeg = save(small, "JPEG")
    sof = jpeg.index(b"\xff\xc0")
    jpeg_bomb = jpeg[: sof + 5] + struct.pack(">HH", 60000, 60000) + jpeg[sof + 9 :]
    # WebP: a VP8X canvas of 16384 x 16384 (Pillow writes VP8X when there is EXIF)
    webp = save(small, "WEBP", exif=identifying_exif(1))
    vp8x = webp.index(b"VP8X")
    webp_bomb = webp[: vp8x + 12] + (16383).to_bytes(3, "little") * 2 + webp[vp8x + 18 :]
    # HEIF: an 'ispe' property of 20000 x 20000
    heic = save(small, "HEIF")
    ispe = heic.index(b"ispe")
    heif_bomb = heic[: ispe + 8] + struct.pack(">II", 20000, 20000) + heic[ispe + 16 :]
    forbid_decoding()
    for bomb in (jpeg_bomb, webp_bomb, heif_bomb):
        expect_error("too_many_pixels", bomb)
        with pytest.raises(ImageCheckError, match="too many pixels"):
            read_dimensions(bomb)


def test_max_pixels_is_a_parameter():
    blob = save(photo(size=(1024, 768)), "JPEG")
    expect_error("too_many_pixels", blob, max_pixels=1024 * 768 - 1)
    assert analyse_image(blob, max_pixels=1024 * 768).width == 1024


def test_pillow_bomb_warning_never_escapes_for_accepted_sizes():
    # 100 MP is above Pillow's default warning threshold (~89 MP) but within ours.
    assert Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS >= MAX_PIXELS
    header_only = bomb_png(10000, 10000, bit_depth=1, color_type=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_error("corrupt", header_only)  # its pixel data is missing


def test_too_small():
    err = expect_error("too_small", save(photo(size=(640, 480)), "JPEG"))
    assert "480" in err.message and "512" in err.message
    # the shorter side counts, whatever the orientation
    expect_error("too_small", save(photo(size=(480, 2000)), "PNG"))
    expect_error("too_small", save(photo(size=(400, 300)), "HEIF"))
    assert analyse_image(save(photo(size=(640, 480)), "JPEG"), min_short_side=480).height == 480


# ---------------------------------------------------------------------------------------------
# Integrity
# ---------------------------------------------------------------------------------------------


def test_truncated_jpeg_is_corrupt():
    blob = save(photo(), "JPEG", quality=90)
    expect_error("corrupt", blob[: len(blob) // 2])
    expect_error("corrupt", blob[:-2])  # only EOI missing


def test_truncated_jpeg_is_corrupt_even_if_pillow_is_told_to_load_truncated(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    blob = save(photo(), "JPEG", quality=90)
    expect_error("corrupt", blob[: len(blob) // 2])


def jpeg_scan_starts(blob: bytes) -> list[int]:
    """Offsets where the entropy-coded data of each scan begins."""
    starts, pos = [], 2
    while blob[pos + 1] != 0xD9:
        marker = blob[pos + 1]
        end = pos + 2 + struct.unpack(">H", blob[pos + 2 : pos + 4])[0]
        if marker == 0xDA:
            starts.append(end)
            match = checks._JPEG_SCAN_END.search(blob, end)
            assert match is not None
            pos = match.start()
        else:
            pos = end
    return starts


def cut_inside_scan(blob: bytes, fraction: float, *, scan: int = -1, eoi: bool = True) -> bytes:
    """The file cut at ``fraction`` of one scan's entropy-coded data, EOI put back or not."""
    starts = jpeg_scan_starts(blob)
    start = starts[scan]
    end = starts[scan + 1] if scan != -1 and scan + 1 < len(starts) else blob.rindex(b"\xff\xd9")
    cut = start + int((end - start) * fraction)
    if blob[cut - 1] == 0xFF:  # never leave half of a stuffed FF00 or of a marker
        cut -= 1
    return blob[:cut] + (b"\xff\xd9" if eoi else b"")


# A phone photo's scale (2400 px: decoded at 1/2) and a small one (decoded at full size), with
# an odd size where the last MCU is cut by the image border.
CUT_SIZES = [(2400, 1800), (900, 700), (1201, 903)]
SEQUENTIAL = {
    "4:2:0": {},
    "4:4:4": {"subsampling": 0},
    "4:2:2": {"subsampling": 1},
    "restart markers": {"restart_marker_blocks": 4},
    "exif": {"exif": identifying_exif(orientation=6)},
}


@pytest.mark.parametrize("eoi", [True, False], ids=["FFD9 appended", "no FFD9"])
@pytest.mark.parametrize("variant", list(SEQUENTIAL))
@pytest.mark.parametrize("size", CUT_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_baseline_jpeg_cut_inside_its_scan_is_corrupt(size, variant, eoi):
    blob = save(photo("coffee", size), "JPEG", quality=90, **SEQUENTIAL[variant])
    analyse_image(blob)  # intact: accepted
    for fraction in (0.1, 0.5, 0.9, 0.995):
        err = expect_error("corrupt", cut_inside_scan(blob, fraction, eoi=eoi))
        assert err.message == checks.ERROR_CODES["corrupt"]


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "camera"])
def test_jpeg_cut_inside_its_scan_with_eoi_is_corrupt_for_other_photos(name):
    # camera is grayscale: a one-component JPEG, its MCU one 8x8 block
    img = photo(name, (2400, 1800))
    for blob in (save(img, "JPEG", quality=90), save(img.convert("L"), "JPEG", quality=90)):
        for fraction in (0.3, 0.97):
            expect_error("corrupt", cut_inside_scan(blob, fraction))


@pytest.mark.parametrize("eoi", [True, False], ids=["FFD9 appended", "no FFD9"])
@pytest.mark.parametrize("size", CUT_SIZES[:2], ids=lambda s: f"{s[0]}x{s[1]}")
def test_progressive_jpeg_cut_before_its_last_scan_is_corrupt(size, eoi):
    blob = save(photo("astronaut", size), "JPEG", quality=90, progressive=True)
    analyse_image(blob)
    scans = len(jpeg_scan_starts(blob))
    assert scans > 5
    for scan in range(scans - 1):  # a cut anywhere before the last scan leaves scans missing
        for fraction in (0.2, 0.8):
            expect_error("corrupt", cut_inside_scan(blob, fraction, scan=scan, eoi=eoi))


@pytest.mark.parametrize("eoi", [True, False], ids=["FFD9 appended", "no FFD9"])
@pytest.mark.parametrize(
    "params",
    [{"quality": 90}, {"quality": 75, "optimize": True}, {"quality": 95, "subsampling": 0}],
    ids=["q90", "q75 optimized", "q95 4:4:4"],
)
def test_progressive_jpeg_cut_inside_its_last_scan_is_corrupt(params, eoi):
    # libjpeg's last scan refines the lowest bit of the luma detail: a cut there leaves no grey and
    # no scan missing, only blocks without their last refinement.
    blob = save(photo("coffee", (2400, 1800)), "JPEG", progressive=True, **params)
    for fraction in (0.05, 0.5, 0.95, 0.9995):
        expect_error("corrupt", cut_inside_scan(blob, fraction, eoi=eoi))


def test_progressive_jpeg_cut_inside_its_last_scan_is_corrupt_at_any_decoding_scale():
    # 1/8 scale above 8640 px: libjpeg then computes each block from its DC coefficient alone
    for size in [(9000, 6750), (4400, 3300), (1600, 1200)]:
        blob = save(photo("astronaut", size), "JPEG", quality=85, progressive=True)
        analyse_image(blob)
        expect_error("corrupt", cut_inside_scan(blob, 0.7))


PHONE_JPEGS = {
    "exif 4:2:0": {"exif": identifying_exif(orientation=6), "icc_profile": srgb_icc()},
    "4:4:4": {"subsampling": 0, "exif": identifying_exif(orientation=1)},
    "4:2:2": {"subsampling": 1},
    "progressive": {"progressive": True, "exif": identifying_exif(orientation=8)},
    "progressive 4:4:4 optimized": {"progressive": True, "subsampling": 0, "optimize": True},
    "progressive restart markers": {"progressive": True, "restart_marker_blocks": 3},
    "restart markers": {"restart_marker_blocks": 2, "exif": identifying_exif(orientation=3)},
    "restart rows": {"restart_marker_rows": 1},
    "q100": {"quality": 100},
    "q60": {"quality": 60},
}


@pytest.mark.parametrize("variant", list(PHONE_JPEGS))
@pytest.mark.parametrize("size", [(2400, 1800), (1201, 903)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_intact_phone_jpegs_stay_accepted(size, variant):
    params = {"quality": 90, **PHONE_JPEGS[variant]}
    for name in ("astronaut", "coffee"):
        blob = save(photo(name, size), "JPEG", **params)
        result = analyse_image(blob + HTML_PAYLOAD)  # bytes after EOI do not matter either
        assert min(result.width, result.height) == min(size)


def mid_grey_corner(size: tuple[int, int], noise: float) -> Image.Image:
    """A photo whose bottom-right quarter is a plain surface of mid grey (a wall, the road)."""
    arr = np.asarray(photo("chelsea", size)).copy()
    h, w = arr.shape[:2]
    rng = np.random.default_rng(7)
    grey = 128 + rng.normal(0, noise, (h - h // 2, w - w // 2, 1))
    arr[h // 2 :, w // 2 :] = np.clip(grey, 0, 255).round().astype(np.uint8)
    return Image.fromarray(arr)


@pytest.mark.parametrize("size", [(2400, 1800), (900, 700)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_mid_grey_corner_is_not_taken_for_missing_data(size, monkeypatch):
    # The corner looks grey on the DCT-scaled image, so the full-size luma is decoded to prove it.
    proved = []
    original = checks._jpeg_corner_is_fill

    def spy(*args):
        proved.append(original(*args))
        return proved[-1]

    monkeypatch.setattr(checks, "_jpeg_corner_is_fill", spy)
    blob = save(mid_grey_corner(size, noise=1.0), "JPEG", quality=90)
    analyse_image(blob)
    assert proved == [False]
    cut = cut_inside_scan(blob, 0.99)
    expect_error("corrupt", cut)
    assert proved == [False, True]


def test_jpeg_with_random_bytes_after_a_valid_header_is_corrupt():
    blob = save(photo(), "JPEG", quality=90)
    sos = blob.index(b"\xff\xda")
    header = blob[: sos + 2 + struct.unpack(">H", blob[sos + 2 : sos + 4])[0]]
    rng = np.random.default_rng(1)
    for _ in range(5):
        expect_error("corrupt", header + rng.bytes(len(blob) - len(header)))
    expect_error("corrupt", blob[:600] + rng.bytes(len(blob) - 600))


def test_png_with_bad_crc_is_corrupt():
    blob = save(photo(), "PNG")
    idat = blob.index(b"IDAT")
    damaged = bytearray(blob)
    damaged[idat + 100] ^= 0xFF
    expect_error("corrupt", bytes(damaged))


def test_png_with_garbled_data_and_valid_crc_is_corrupt():
    chunks = png_chunks(save(photo(), "PNG"))
    rng = np.random.default_rng(2)
    rebuilt = checks._PNG_SIGNATURE + b"".join(
        png_chunk(ctype, rng.bytes(len(payload)) if ctype == b"IDAT" else payload)
        for ctype, payload in chunks
    )
    expect_error("corrupt", rebuilt)


def test_truncated_png_webp_heic_are_corrupt():
    for fmt in ("PNG", "WEBP", "HEIF"):
        blob = save(photo(size=(640, 520)), fmt)
        expect_error("corrupt", blob[: len(blob) // 2])


def test_random_bytes_after_png_and_webp_headers_are_corrupt():
    rng = np.random.default_rng(3)
    png = save(photo(), "PNG")
    expect_error("corrupt", png[:33] + rng.bytes(len(png) - 33))  # signature + IHDR, then noise
    webp = save(photo(), "WEBP")
    expect_error("corrupt", webp[:30] + rng.bytes(len(webp) - 30))


# ---------------------------------------------------------------------------------------------
# Privacy: metadata removed, originals not re-encoded
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phone_jpeg() -> bytes:
    """A JPEG as a phone would upload it, plus everything a hostile or careless client might add."""
    exif = identifying_exif(orientation=6)
    blob = save(photo(size=(1600, 1200)), "JPEG", quality=90, exif=exif, icc_profile=srgb_icc(), xmp=XMP)
    iptc = app_segment(
        0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x50\x00\x0cNguyen Van A"
    )
    comment = app_segment(0xFE, b"shot by Nguyen Van A, 2024:05:01")
    samsung = app_segment(0xE4, b"SEC Nguyen Van A")  # vendor APPn
    mpf = app_segment(0xE2, b"MPF\x00" + b"\x00" * 40)
    blob = insert_after_soi(blob, iptc)
    eoi = blob.rindex(b"\xff\xd9")
    blob = blob[:eoi] + comment + samsung + mpf + blob[eoi:]  # metadata segments may come late
    return blob + HTML_PAYLOAD


def test_jpeg_input_has_the_metadata_the_test_expects(phone_jpeg):
    img = Image.open(io.BytesIO(phone_jpeg))
    gps = img.getexif().get_ifd(GPS_IFD)
    assert gps[2] == (16.0, 27.0, 50.4)
    assert img.getexif()[ORIENTATION] == 6
    assert b"Nguyen Van A" in phone_jpeg and b"xmpmeta" in phone_jpeg and HTML_PAYLOAD in phone_jpeg


def test_jpeg_metadata_removed_scan_kept_byte_for_byte(phone_jpeg):
    result = analyse_image(phone_jpeg)
    clean = result.clean_bytes
    assert result.format == "jpeg" and result.mime_type == "image/jpeg"
    assert_no_identifying_metadata(clean)
    for derivative in (result.display_webp, result.thumbnail_webp):
        assert_no_identifying_metadata(derivative)
        assert not Image.open(io.BytesIO(derivative)).getexif()
    # not re-encoded: the entropy-coded data and the tables are byte-identical
    assert jpeg_scan_data(clean) == jpeg_scan_data(phone_jpeg)
    original_tables = [s for s in jpeg_segments(phone_jpeg) if s[0] in (0xC0, 0xC4, 0xDB, 0xDA)]
    assert [s for s in jpeg_segments(clean) if s[0] in (0xC0, 0xC4, 0xDB, 0xDA)] == original_tables
    # segments kept: JFIF, the orientation-only Exif, the ICC profile; dropped: the rest
    markers = [m for m, _ in jpeg_segments(clean)]
    assert 0xED not in markers and 0xFE not in markers and 0xE4 not in markers
    assert markers[:2] == [0xE0, 0xE1]
    app1 = [p for m, p in jpeg_segments(clean) if m == 0xE1]
    assert len(app1) == 1 and len(app1[0]) < 40
    cleaned = Image.open(io.BytesIO(clean))
    assert dict(cleaned.getexif()) == {ORIENTATION: 6}
    assert cleaned.info["icc_profile"] == srgb_icc()
    # trailing payload dropped, hash of what is kept
    assert clean.endswith(b"\xff\xd9") and HTML_PAYLOAD not in clean
    assert result.sha256 == hashlib.sha256(clean).hexdigest()
    # the clean file decodes to the same pixels as the original
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(clean))), np.asarray(Image.open(io.BytesIO(phone_jpeg)))
    )


def test_jpeg_without_orientation_gets_no_exif_at_all():
    blob = save(photo(), "JPEG", exif=identifying_exif(orientation=None))
    clean = analyse_image(blob).clean_bytes
    assert b"Exif" not in clean
    assert not Image.open(io.BytesIO(clean)).getexif()


def test_progressive_and_restart_interval_jpegs_keep_their_scans():
    img = photo(size=(900, 700))
    for params in ({"progressive": True}, {"restart_marker_blocks": 4}, {"subsampling": 0}):
        blob = save(img, "JPEG", quality=85, exif=identifying_exif(1), **params)
        clean = analyse_image(blob).clean_bytes
        assert jpeg_scan_data(clean) == jpeg_scan_data(blob), params
        assert_no_identifying_metadata(clean)


def test_png_metadata_chunks_dropped():
    img = photo(size=(800, 600))
    info = PngInfo()
    info.add_text("Author", "Nguyen Van A")
    info.add_text("Comment", "secret location", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    blob = save(img, "PNG", pnginfo=info, exif=identifying_exif(orientation=6), icc_profile=srgb_icc())
    chunks = png_chunks(blob)
    blob = blob[:-12] + png_chunk(b"tIME", b"\x07\xe8\x05\x01\x0c\x00\x00") + blob[-12:]  # before IEND
    assert Image.open(io.BytesIO(blob)).getexif().get_ifd(GPS_IFD)
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} <= {c for c, _ in chunks}
    result = analyse_image(blob + HTML_PAYLOAD)
    clean = result.clean_bytes
    kinds = [c for c, _ in png_chunks(clean)]
    assert not {b"tEXt", b"zTXt", b"iTXt", b"tIME"} & set(kinds)
    assert kinds.count(b"eXIf") == 1 and kinds[-1] == b"IEND" and clean.endswith(png_chunk(b"IEND", b""))
    assert_no_identifying_metadata(clean)
    assert dict(Image.open(io.BytesIO(clean)).getexif()) == {ORIENTATION: 6}
    assert [p for c, p in png_chunks(clean) if c == b"IDAT"] == [p for c, p in chunks if c == b"IDAT"]
    assert (result.width, result.height) == (600, 800)
    for derivative in (result.display_webp, result.thumbnail_webp):
        assert_no_identifying_metadata(derivative)


def test_webp_with_exif_and_xmp():
    blob = save(photo(size=(800, 600)), "WEBP", quality=90, exif=identifying_exif(orientation=6), xmp=XMP)
    assert Image.open(io.BytesIO(blob)).getexif().get_ifd(GPS_IFD)
    kinds = [c for c, _ in riff_chunks(blob)]
    assert b"EXIF" in kinds and b"XMP " in kinds
    result = analyse_image(blob + HTML_PAYLOAD)
    clean = result.clean_bytes
    assert result.format == "webp" and result.mime_type == "image/webp"
    assert struct.unpack("<I", clean[4:8])[0] == len(clean) - 8
    chunks = riff_chunks(clean)
    assert [c for c, _ in chunks] == [b"VP8X", b"VP8 ", b"EXIF"]
    flags = chunks[0][1][0]
    assert flags & 0x08 and not flags & 0x04  # EXIF flag set (orientation only), XMP flag cleared
    assert [p for c, p in chunks if c == b"VP8 "] == [p for c, p in riff_chunks(blob) if c == b"VP8 "]
    assert_no_identifying_metadata(clean)
    assert dict(Image.open(io.BytesIO(clean)).getexif()) == {ORIENTATION: 6}
    assert (result.width, result.height) == (600, 800)
    assert Image.open(io.BytesIO(result.display_webp)).size == (600, 800)


def test_simple_webp_trailing_bytes_dropped():
    blob = save(photo(size=(800, 600)), "WEBP")
    result = analyse_image(blob + HTML_PAYLOAD)
    assert result.clean_bytes == blob


def test_heic_is_kept_as_a_jpeg_without_metadata():
    src = photo(size=(640, 520))
    blob = save(src, "HEIF", quality=90, exif=identifying_exif(orientation=1).tobytes(), xmp=XMP)
    assert detect_format(blob) == "heif"
    assert Image.open(io.BytesIO(blob)).getexif().get_ifd(GPS_IFD)
    result = analyse_image(blob)
    assert result.format == "heif"
    assert result.mime_type == "image/jpeg" and detect_format(result.clean_bytes) == "jpeg"
    assert (result.width, result.height) == (640, 520)
    assert_no_identifying_metadata(result.clean_bytes)
    assert b"Exif" not in result.clean_bytes
    for derivative in (result.display_webp, result.thumbnail_webp):
        assert_no_identifying_metadata(derivative)
    assert result.sha256 == hashlib.sha256(result.clean_bytes).hexdigest()
    assert hamming_distance(result.phash, perceptual_hash(src)) <= 8
    assert read_dimensions(blob) == (640, 520)


def test_heic_rotation_is_applied():
    # pillow-heif stores EXIF orientation 6 as an 'irot' transformation, which libheif applies.
    blob = save(
        quadrant_image((640, 520)), "HEIF", quality=90, exif=identifying_exif(orientation=6).tobytes()
    )
    result = analyse_image(blob)
    assert (result.width, result.height) == (520, 640)
    clean = Image.open(io.BytesIO(result.clean_bytes))
    assert clean.size == (520, 640) and not clean.getexif()
    assert clean.getpixel((510, 10))[0] > 200  # the red corner is now top right


# ---------------------------------------------------------------------------------------------
# Orientation and derivatives
# ---------------------------------------------------------------------------------------------


def test_exif_orientation_6_gives_portrait_derivatives():
    blob = save(quadrant_image((1600, 1200)), "JPEG", quality=95, exif=identifying_exif(orientation=6))
    assert read_dimensions(blob) == (1200, 1600)
    result = analyse_image(blob)
    assert (result.width, result.height) == (1200, 1600)
    display = Image.open(io.BytesIO(result.display_webp))
    thumbnail = Image.open(io.BytesIO(result.thumbnail_webp))
    assert display.format == thumbnail.format == "WEBP"
    assert display.size == (810, 1080) and thumbnail.size == (240, 320)
    # rotated 90 degrees clockwise: the red top-left corner is now top right, blue bottom left
    assert display.convert("RGB").getpixel((800, 10))[0] > 200
    assert display.convert("RGB").getpixel((10, 1070))[2] > 200
    assert thumbnail.convert("RGB").getpixel((235, 5))[0] > 200


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_every_orientation_matches_pillow_exif_transpose(orientation):
    blob = save(quadrant_image((800, 600)), "JPEG", quality=95, exif=identifying_exif(orientation))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(blob)))
    result = analyse_image(blob)
    assert (result.width, result.height) == expected.size
    display = np.asarray(Image.open(io.BytesIO(result.display_webp)).convert("RGB"), dtype=np.int16)
    assert np.abs(display - np.asarray(expected.convert("RGB"), dtype=np.int16)).mean() < 4


def test_derivative_sizes_never_upscaled():
    small = analyse_image(save(photo(size=(800, 600)), "PNG"))
    assert Image.open(io.BytesIO(small.display_webp)).size == (800, 600)
    assert Image.open(io.BytesIO(small.thumbnail_webp)).size == (320, 240)
    big = analyse_image(save(photo(size=(3000, 1000)), "JPEG"))
    assert Image.open(io.BytesIO(big.display_webp)).size == (1080, 360)
    assert Image.open(io.BytesIO(big.thumbnail_webp)).size == (320, 107)


@pytest.mark.parametrize("mode", ["L", "CMYK", "P", "RGBA", "I;16", "LA"])
def test_uncommon_modes_are_analysed(mode):
    img = photo(size=(800, 600))
    if mode == "I;16":
        img = Image.fromarray(np.asarray(img.convert("L"), dtype=np.uint16) * 257)
        assert img.mode == "I;16"
    else:
        img = img.convert(mode)
    fmt = "JPEG" if mode in ("L", "CMYK") else "PNG"
    result = analyse_image(save(img, fmt))
    reference = analyse_image(save(photo(size=(800, 600)), "PNG"))
    assert result.sharpness > 100
    if mode != "P":  # a palette loses detail
        assert hamming_distance(result.phash, reference.phash) <= 6
    display = Image.open(io.BytesIO(result.display_webp))
    assert display.size == (800, 600) and display.mode in ("RGB", "RGBA")


def test_display_keeps_the_colour_profile():
    blob = save(photo(size=(800, 600)), "JPEG", icc_profile=srgb_icc())
    result = analyse_image(blob)
    assert Image.open(io.BytesIO(result.display_webp)).info.get("icc_profile") == srgb_icc()


def test_analysis_repr_hides_bytes():
    result = analyse_image(save(photo(size=(800, 600)), "JPEG"))
    assert isinstance(result, ImageAnalysis)
    assert len(repr(result)) < 400
    with pytest.raises(AttributeError):
        result.width = 1  # frozen


# ---------------------------------------------------------------------------------------------
# Perceptual hash
# ---------------------------------------------------------------------------------------------

PHOTOS = [
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "camera",
    "coins",
    "immunohistochemistry",
    "hubble_deep_field",
]


def test_phash_equals_imagehash_bit_for_bit():
    imagehash = pytest.importorskip("imagehash")
    images = [Image.fromarray(getattr(skdata, name)()) for name in PHOTOS]
    images += [photo(size=(1024, 768)), photo("coffee", (333, 777)).rotate(90, expand=True)]
    for img in images:
        expected = int(str(imagehash.phash(img)), 16)
        signed = expected - (1 << 64) if expected >= 1 << 63 else expected
        assert perceptual_hash(img) == signed


def test_phash_of_analysis_is_close_to_imagehash_of_the_full_image():
    imagehash = pytest.importorskip("imagehash")
    for name in ("astronaut", "coffee", "rocket"):
        img = photo(name, (2000, 1500))
        full = int(str(imagehash.phash(img)), 16)
        result = analyse_image(save(img, "JPEG", quality=90))
        assert hamming_distance(result.phash, full) <= 4, name


def test_phash_is_a_signed_64_bit_int_and_stable():
    result = analyse_image(save(photo(size=(800, 600)), "JPEG", quality=90))
    assert -(1 << 63) <= result.phash < (1 << 63)
    again = analyse_image(save(photo(size=(800, 600)), "PNG"))
    assert hamming_distance(result.phash, again.phash) <= 2
    other = analyse_image(save(photo("coffee", (800, 600)), "JPEG"))
    assert hamming_distance(result.phash, other.phash) > 16


def test_hamming_distance_on_signed_ints():
    assert hamming_distance(0, 0) == 0
    assert hamming_distance(-1, 0) == 64
    assert hamming_distance(-(1 << 63), 0) == 1
    assert hamming_distance((1 << 63) - 1, -(1 << 63)) == 64
    assert hamming_distance(-2, -1) == 1
    assert hamming_distance(5, 6) == 2


# ---------------------------------------------------------------------------------------------
# Blur
# ---------------------------------------------------------------------------------------------


def test_blur_verdict():
    assert blur_verdict(1.0, reject_below=10, flag_below=100) == "reject"
    assert blur_verdict(10.0, reject_below=10, flag_below=100) == "flag"
    assert blur_verdict(99.9, reject_below=10, flag_below=100) == "flag"
    assert blur_verdict(100.0, reject_below=10, flag_below=100) == "ok"
    assert blur_verdict(50.0) == "flag"  # the calibrated defaults
    assert 0 < DEFAULT_BLUR_REJECT_BELOW < DEFAULT_BLUR_FLAG_BELOW
    with pytest.raises(ValueError):
        blur_verdict(5.0, reject_below=100, flag_below=10)


def phone_photo(name: str, radius: float, long_side: int = 2016) -> bytes:
    """The calibration recipe: the photo at 1280 px, Gaussian blur, upscaled to phone size, JPEG q90."""
    img = Image.fromarray(getattr(skdata, name)()).convert("RGB")
    scale = 1280 / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    if radius:
        img = img.filter(ImageFilter.GaussianBlur(radius))
    scale = long_side / 1280
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    return save(img, "JPEG", quality=90)


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field"])
def test_blur_calibration(name):
    verdicts = {
        radius: blur_verdict(
            analyse_image(phone_photo(name, radius)).sharpness,
            reject_below=DEFAULT_BLUR_REJECT_BELOW,
            flag_below=DEFAULT_BLUR_FLAG_BELOW,
        )
        for radius in (0, 2, 8)
    }
    assert verdicts == {0: "ok", 2: "flag", 8: "reject"}


def test_sharpness_is_scale_normalised():
    small = analyse_image(phone_photo("astronaut", 0, long_side=1600)).sharpness
    blob = phone_photo("astronaut", 0, long_side=3000)
    large = analyse_image(blob).sharpness
    assert abs(small - large) / large < 0.15
    direct = measure_sharpness(Image.open(io.BytesIO(blob)))  # full decode, straight to 512 px
    assert abs(direct - large) / large < 0.10


# ---------------------------------------------------------------------------------------------
# Errors and read_dimensions
# ---------------------------------------------------------------------------------------------


def test_image_check_error():
    err = ImageCheckError("too_blurry")
    assert err.code == "too_blurry" and "blurry" in err.message and str(err) == err.message
    custom = ImageCheckError("too_small", "Too small.")
    assert custom.message == "Too small."
    with pytest.raises(ValueError):
        ImageCheckError("nope")
    copy = pickle.loads(pickle.dumps(custom))  # noqa: S301 (our own bytes; e.g. raised in a Celery task)
    assert (copy.code, copy.message, str(copy)) == ("too_small", "Too small.", "Too small.")


def test_read_dimensions_every_format():
    img = photo(size=(600, 520))
    for fmt in ("JPEG", "PNG", "WEBP", "HEIF"):
        assert read_dimensions(save(img, fmt)) == (600, 520), fmt
    lossless = save(img, "WEBP", lossless=True)
    assert b"VP8L" in lossless[:40] and read_dimensions(lossless) == (600, 520)
    assert read_dimensions(save(img, "WEBP", exif=identifying_exif(8))) == (520, 600)
    assert read_dimensions(save(img, "PNG", exif=identifying_exif(5))) == (520, 600)


def test_read_dimensions_corrupt_header():
    with pytest.raises(ImageCheckError) as info:
        read_dimensions(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    assert info.value.code == "corrupt"
    with pytest.raises(ImageCheckError) as info:
        read_dimensions(checks._PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDR")
    assert info.value.code == "corrupt"


def test_no_django_import():
    source = Path(checks.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+django", source, re.M)


def test_heif_opener_registered():
    assert "HEIF" in Image.registered_extensions().values()
    assert pillow_heif.__version__


def _previous_measure(data):
    """Session 3's sharpness and phash: on the 1080 px colour display image, then 512 px grayscale."""
    parsed = checks._parse_jpeg(data, strip=True)
    with checks._decode(parsed.clean, "jpeg", (parsed.width, parsed.height)) as img:
        display = checks._to_8bit(checks._downscale(img, checks.DISPLAY_LONG_SIDE))
        if parsed.orientation in checks._ORIENTATION_TRANSPOSE:
            display = display.transpose(checks._ORIENTATION_TRANSPOSE[parsed.orientation])
        gray = checks._sharpness_gray(display)
        return laplacian_variance(np.asarray(gray)), perceptual_hash(gray)


@pytest.mark.parametrize("name", ["astronaut", "coffee", "camera"])
@pytest.mark.parametrize("orientation", [1, 6])
def test_the_verdicts_measure_answers_as_the_one_on_the_display_image(name, orientation):
    # Hashes stored before the check stopped making the display image first must still find their
    # near duplicates (<= 8 bits apart), and the blur thresholds keep their calibration.
    img = Image.fromarray(getattr(skdata, name)()).convert("RGB").resize((2600, 1950))
    blob = save(img, "JPEG", quality=90, exif=identifying_exif(orientation))
    previous_sharpness, previous_phash = _previous_measure(blob)
    with check_image(blob) as checked:
        assert hamming_distance(checked.phash, previous_phash) <= 2
        assert abs(checked.sharpness - previous_sharpness) <= 0.02 * previous_sharpness
        assert (checked.width, checked.height) == ((1950, 2600) if orientation == 6 else (2600, 1950))


def test_check_image_keeps_the_decoded_image_for_the_derivatives_once():
    blob = save(photo(size=(1600, 1200)), "JPEG", quality=90, exif=identifying_exif(6))
    with check_image(blob) as checked:
        derived = checked.derivatives()
        with pytest.raises(RuntimeError):
            checked.derivatives()
    whole = analyse_image(blob)
    assert (derived.display_webp, derived.thumbnail_webp) == (whole.display_webp, whole.thumbnail_webp)
    with Image.open(io.BytesIO(derived.display_webp)) as display:
        assert display.size == (810, 1080)  # upright, longer side 1080 px
