"""Image checks for Task 1 uploads (phone photos of Southeast Asian culture).

Pure functions over bytes and Pillow images: no Django, no storage, no database. The worker calls
:func:`check_image` on the uploaded bytes, records the verdict from what it returns (``clean_bytes``,
the hashes and the measurements), then asks the result for the two WebP derivatives
(:meth:`CheckedImage.derivatives`, from the image the check decoded). :func:`analyse_image` does
both in one call.

What :func:`analyse_image` guarantees, in the order it checks:

1. size: at most :data:`MAX_UPLOAD_BYTES` (``too_large``);
2. type by content, never by file name: JPEG, PNG, WebP or HEIC/HEIF (``unsupported_type``), and a
   still one: an animated PNG (APNG) or WebP is refused (``animated``; GIF is no accepted type at all);
3. pixel count read from the header, before any decoding, so a decompression bomb is refused
   without allocating its pixels (``too_many_pixels``);
4. shorter displayed side at least ``min_short_side`` (``too_small``);
5. integrity: the container structure is parsed strictly (JPEG markers up to EOI, every PNG chunk
   CRC up to IEND, the RIFF length of WebP) and the image is fully decoded by Pillow restricted to
   the accepted formats (``corrupt``). JPEGs are decoded with DCT scaling (``draft``): libjpeg still
   entropy-decodes the whole stream, so cut or garbled data is still detected, at a fraction of the
   time and memory of a full-size decode. A JPEG cut inside its image data with an EOI marker put
   back decodes without error (libjpeg only warns, and Pillow drops the warning): a sequential one
   ends in libjpeg's fill, blocks of exactly 128 (checked on the last MCU); a progressive one lacks
   scans (some coefficient is never coded to its last bit) or, cut inside its last scan, decodes
   differently once bytes are added after that scan (one more decode, for progressive files only);
6. privacy: ``clean_bytes`` is the original without identifying metadata (EXIF with GPS, maker
   notes and serial numbers, XMP, IPTC, comments, text chunks) and without bytes trailing the
   image; JPEG, PNG and WebP are rewritten at the container level, never re-encoded.

Blur is measured (``sharpness``) but not judged here: the caller applies :func:`blur_verdict`.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_BLUR_FLAG_BELOW",
    "DEFAULT_BLUR_REJECT_BELOW",
    "DISPLAY_LONG_SIDE",
    "ERROR_CODES",
    "MAX_PIXELS",
    "MAX_UPLOAD_BYTES",
    "THUMBNAIL_LONG_SIDE",
    "CheckedImage",
    "Derivatives",
    "ImageAnalysis",
    "ImageCheckError",
    "analyse_image",
    "blur_verdict",
    "check_image",
    "detect_format",
    "hamming_distance",
    "laplacian_variance",
    "perceptual_hash",
    "measure_sharpness",
    "read_dimensions",
]

# ---------------------------------------------------------------------------------------------
# Public constants
# ---------------------------------------------------------------------------------------------

#: Accepted upload formats (our name -> MIME type of the upload as received).
ACCEPTED_FORMATS: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heif": "image/heic",
}

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 120_000_000

# 1080 px: a phone's full screen width at 3x density; the original stays one click away for zooming.
DISPLAY_LONG_SIDE = 1080
THUMBNAIL_LONG_SIDE = 320
SHARPNESS_LONG_SIDE = 512
WEBP_QUALITY = 80
# libwebp "method" (0 fastest .. 6 slowest). Encoding the 1280 px display image is one of the two
# largest costs of the check: ~22 ms with method 0, ~40 ms with 2 and ~90 ms with 4 (Pillow's
# default) on the bench machine, for files ~20 % larger than with method 2 at the same quality.
WEBP_METHOD = 0
HEIF_JPEG_QUALITY = 92

#: Calibrated by ``bench/image_checks.py`` on skimage.data photos (astronaut, chelsea, coffee, rocket,
#: camera, coins, immunohistochemistry, hubble_deep_field) upscaled to 1280 px, blurred with a
#: Gaussian of radius 0/2/4/8 px, upscaled to a 4000 px phone photo and saved as JPEG q90, with and
#: without mild sensor noise: sharp 133-802, radius 2 px 31-110, radius 4 px 6-28, radius 8 px
#: 2-10. The measure depends on content as much as on focus: a sharp photo of something with little
#: texture (a smooth wall, the sky, skimage's moon) can measure below 120, which is why the upper
#: band only flags a photo for a reviewer and only the lowest band rejects.
DEFAULT_BLUR_REJECT_BELOW: float = 15.0
DEFAULT_BLUR_FLAG_BELOW: float = 120.0

ERROR_CODES: dict[str, str] = {
    "unsupported_type": "This file is not a JPEG, PNG, WebP or HEIC photo.",
    "too_large": "This file is larger than 25 MB. Please upload a smaller photo.",
    "too_many_pixels": "This photo has too many pixels (more than 120 megapixels). Please upload a smaller one.",
    "corrupt": "This photo could not be read: the file is damaged or incomplete. Please upload it again.",
    "too_small": "This photo is too small. Please upload a larger photo.",
    "too_blurry": "This photo is too blurry. Please upload a sharper photo.",
    "animated": "Animated images are not accepted: upload a still photo.",
}


class ImageCheckError(Exception):
    """An upload that fails a check. ``code`` is for machines, ``message`` for the contributor."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown image check code {code!r}")
        self.code = code
        self.message = message or ERROR_CODES[code]
        super().__init__(code, self.message)  # both in args: pickles (Celery) and unpickles intact

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ImageCheckError({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class ImageAnalysis:
    format: str  # detected upload format, a key of ACCEPTED_FORMATS
    mime_type: str  # MIME type of clean_bytes (image/jpeg for a HEIC upload, see _analyse_heif)
    width: int  # as displayed (EXIF orientation / HEIF transformations applied)
    height: int
    sharpness: float  # variance of the Laplacian on the normalised 512 px grayscale downscale
    phash: int  # 64-bit perceptual hash as a signed 64-bit int (PostgreSQL bigint)
    sha256: str  # hex digest of clean_bytes
    clean_bytes: bytes
    thumbnail_webp: bytes
    display_webp: bytes

    def __repr__(self) -> str:  # keep the bytes out of logs and test failure output
        return (
            f"ImageAnalysis(format={self.format!r}, mime_type={self.mime_type!r}, width={self.width}, "
            f"height={self.height}, sharpness={self.sharpness:.1f}, phash={self.phash}, "
            f"sha256={self.sha256[:12]}..., clean_bytes={len(self.clean_bytes)} B, "
            f"thumbnail_webp={len(self.thumbnail_webp)} B, display_webp={len(self.display_webp)} B)"
        )


# ---------------------------------------------------------------------------------------------
# Pillow set-up
# ---------------------------------------------------------------------------------------------

pillow_heif.register_heif_opener()

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}

# Our own header check refuses anything above ``max_pixels`` before Pillow sees the file, so
# Pillow's bomb check never has anything to say about an image we go on to decode. Its default
# threshold (~89 MP) is lower than ours, though: without this, every accepted 90-120 MP photo
# would emit a DecompressionBombWarning (or fail where warnings are errors). This only raises
# Pillow's process-wide threshold up to our own limit; it never lowers or disables it.
if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# ImageOps.exif_transpose's table: EXIF orientation -> transposition that displays it upright.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


# Real files have tens to a few thousand segments/chunks; a 25 MB file of empty ones would keep
# the Python parsers busy for seconds.
_MAX_CONTAINER_PARTS = 100_000


def _corrupt(detail: str) -> ImageCheckError:
    err = ImageCheckError("corrupt")
    err.add_note(detail)  # for logs; the contributor sees err.message
    return err


# ---------------------------------------------------------------------------------------------
# Format detection
# ---------------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# ISO BMFF brands of HEIF still images coded with HEVC, plus the generic MIAF/HEIF brands.
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
# AVIF shares the HEIF container (and the mif1 brand) but is not accepted.
_AVIF_BRANDS = frozenset({b"avif", b"avis", b"avio"})


def detect_format(head: bytes) -> str | None:
    """Return the accepted format of a file from its first bytes (64 suffice), else ``None``.

    Content only, never the file name: an executable, an HTML page or an SVG renamed ``.jpg``
    gives ``None``, and so do GIF, TIFF, BMP, PDF and AVIF.
    """
    head = bytes(head[:64])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_PNG_SIGNATURE):
        return "png"
    if len(head) >= 16 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 16 and head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        if box_size < 16:
            return None
        brands = {head[8:12]}
        end = min(box_size, len(head))
        brands.update(head[i : i + 4] for i in range(16, end - 3, 4))
        if brands & _AVIF_BRANDS:
            return None
        if brands & _HEIF_BRANDS:
            return "heif"
    return None


# ---------------------------------------------------------------------------------------------
# EXIF (TIFF) orientation
# ---------------------------------------------------------------------------------------------


def _tiff_orientation(tiff: bytes | memoryview) -> int | None:
    """The Orientation tag (1-8) of IFD0 of a TIFF/EXIF block, or None if absent or invalid."""
    tiff = bytes(tiff[:65536]) if len(tiff) > 65536 else bytes(tiff)
    if tiff[:4] == b"II*\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00*":
        order = ">"
    else:
        return None
    try:
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for i in range(min(count, 1000)):
            tag, typ, n = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * i)
            if tag == 0x0112:
                if typ != 3 or n != 1:
                    return None
                (value,) = struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * i + 8)
                return value if 1 <= value <= 8 else None
    except struct.error:
        return None
    return None


def _orientation_tiff(orientation: int) -> bytes:
    """A minimal big-endian TIFF block holding one tag: Orientation."""
    return b"MM\x00*\x00\x00\x00\x08" + struct.pack(">HHHIHHI", 1, 0x0112, 3, 1, orientation, 0, 0)


# ---------------------------------------------------------------------------------------------
# Container parsing: header facts and metadata stripping
# ---------------------------------------------------------------------------------------------


@dataclass
class _Container:
    width: int  # as stored
    height: int
    orientation: int | None  # EXIF orientation of the source, if it had a valid one
    animated: bool = False
    clean: bytes | None = None  # stripped file (full parse only)
    mcu: tuple[int, int] = (8, 8)  # JPEG: width and height of one MCU in pixels
    progressive: bool = False  # JPEG

    @property
    def display_size(self) -> tuple[int, int]:
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


# JPEG ----------------------------------------------------------------------------------------

_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# Table and frame segments that carry no metadata and are kept as they are.
_JPEG_TABLES = frozenset({0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF})
_JPEG_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
# End of entropy-coded data: 0xFF followed by anything but a stuffed zero, a restart marker or fill.
_JPEG_SCAN_END = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")
_ALL_COEFFICIENTS = (1 << 64) - 1


def _jpeg_keep_app(marker: int, payload: memoryview) -> bool:
    if marker == 0xE0:
        return bytes(payload[:5]) == b"JFIF\x00"
    if marker == 0xE2:
        return bytes(payload[:12]) == b"ICC_PROFILE\x00"
    if marker == 0xEE:
        return bytes(payload[:5]) == b"Adobe"
    return False


def _parse_jpeg(data: bytes, *, strip: bool) -> _Container:
    """Walk the JPEG marker segments strictly.

    With ``strip``, rebuild the file: SOI, APP0 JFIF, a new APP1 holding only the orientation (if
    the source had one), APP2 ICC profile and APP14 Adobe segments, every table/frame/scan
    segment and the entropy-coded data byte for byte, EOI. Everything else (APP1 Exif and XMP,
    APP13 IPTC/Photoshop, COM, MPF and other APPn) and all bytes after EOI are dropped.
    Without ``strip``, stop at the first scan: enough for the dimensions and the orientation.
    """
    view = memoryview(data)
    n = len(data)
    out: list[bytes | memoryview] = [b"\xff\xd8"]
    insert_at = 1  # where the orientation APP1 goes: after SOI and a leading JFIF APP0
    size: tuple[int, int] | None = None
    orientation: int | None = None
    seen_exif = False
    scans = 0
    progressive = False
    mcu = (8, 8)
    # Component id -> bit mask of the DCT coefficients (0..63) whose last bit some scan has coded.
    coded: dict[int, int] = {}
    pos = 2
    for _ in range(_MAX_CONTAINER_PARTS):
        if pos >= n:
            raise _corrupt("JPEG ends before its EOI marker")
        if data[pos] != 0xFF:
            raise _corrupt(f"JPEG: no marker at offset {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _corrupt("JPEG ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            if size is None or scans == 0:
                raise _corrupt("JPEG without frame or scan")
            if any(mask != _ALL_COEFFICIENTS for mask in coded.values()):
                # Scans are missing: a file cut inside a scan, with an EOI marker put back at the cut.
                raise _corrupt("JPEG ends before every component is fully coded (scans missing)")
            out.append(b"\xff\xd9")
            break
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            raise _corrupt(f"JPEG: unexpected marker FF{marker:02X}")
        if pos + 2 > n:
            raise _corrupt("JPEG ends inside a segment length")
        length = int.from_bytes(view[pos : pos + 2], "big")
        end = pos + length
        if length < 2 or end > n:
            raise _corrupt(f"JPEG: segment FF{marker:02X} runs past the end of the file")
        payload = view[pos + 2 : end]
        segment = (b"\xff", bytes((marker,)), view[pos:end])
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM
            if marker == 0xE1 and not seen_exif and bytes(payload[:5]) == b"Exif\x00":
                seen_exif = True
                orientation = _tiff_orientation(payload[6:])
            if strip and _jpeg_keep_app(marker, payload):
                out.extend(segment)
                if marker == 0xE0 and len(out) == 4:
                    insert_at = 4
        elif marker in _JPEG_SOF:
            if size is not None:
                raise _corrupt("JPEG with two frames")
            if length < 8:
                raise _corrupt("JPEG: short frame header")
            height = int.from_bytes(payload[1:3], "big")
            width = int.from_bytes(payload[3:5], "big")
            if width == 0 or height == 0:
                raise _corrupt("JPEG frame without dimensions")
            size = (width, height)
            progressive = marker in _JPEG_PROGRESSIVE
            components = payload[5] if length >= 8 else 0
            if components == 0 or length < 8 + 3 * components:
                raise _corrupt("JPEG: short frame header")
            factors = [payload[6 + 3 * i + 1] for i in range(components)]
            if components > 1:
                mcu = (8 * max(f >> 4 for f in factors), 8 * max(f & 0x0F for f in factors))
            coded = {payload[6 + 3 * i]: 0 for i in range(components)}
            out.extend(segment)
        elif marker in _JPEG_TABLES:
            out.extend(segment)
        elif marker == 0xDA:  # SOS, then entropy-coded data up to the next real marker
            if size is None:
                raise _corrupt("JPEG scan before its frame header")
            if not strip:
                break
            scans += 1
            _jpeg_scan_coded(payload, coded, progressive)
            out.extend(segment)
            match = _JPEG_SCAN_END.search(data, end)
            if match is None:
                raise _corrupt("JPEG ends inside its image data")
            out.append(view[end : match.start()])
            pos = match.start()
            continue
        else:
            raise _corrupt(f"JPEG: unsupported marker FF{marker:02X}")
        pos = end
    else:
        raise _corrupt("JPEG with too many segments")
    if size is None:
        raise _corrupt("JPEG without frame header")
    container = _Container(size[0], size[1], orientation, mcu=mcu, progressive=progressive)
    if strip:
        if orientation is not None:
            tiff = _orientation_tiff(orientation)
            out.insert(insert_at, b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff)
        container.clean = b"".join(out)
    return container


def _jpeg_scan_coded(sos: memoryview, coded: dict[int, int], progressive: bool) -> None:
    """Record in ``coded`` the coefficients whose final bit this scan (an SOS payload) codes.

    A sequential scan codes its components completely. A progressive scan codes coefficients
    Ss..Se of its components down to bit Al: only a scan with Al = 0 finishes them. Every encoder
    finishes every coefficient of every component; a progressive file that does not was cut.
    """
    count = sos[0] if len(sos) else 0
    if count == 0 or len(sos) < 1 + 2 * count + 3:
        raise _corrupt("JPEG: short scan header")
    ids = [sos[1 + 2 * i] for i in range(count)]
    if any(cid not in coded for cid in ids):
        raise _corrupt("JPEG: scan of a component the frame does not have")
    if progressive:
        start, end, approx = sos[1 + 2 * count], sos[2 + 2 * count], sos[3 + 2 * count]
        if approx & 0x0F or start > end or end > 63:
            return
        bits = ((1 << (end + 1)) - 1) ^ ((1 << start) - 1)
    else:
        bits = _ALL_COEFFICIENTS
    for cid in ids:
        coded[cid] |= bits


# PNG -----------------------------------------------------------------------------------------

# Chunks kept in clean_bytes: the critical ones and those describing colour and pixels. Dropped:
# eXIf (replaced by an orientation-only one), tEXt, zTXt, iTXt (XMP lives there), tIME and any
# other ancillary or private chunk (C2PA, iDOT, ...).
_PNG_KEEP = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP",
        b"mDCV", b"cLLI", b"sBIT", b"bKGD", b"pHYs", b"hIST", b"sPLT", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip


def _png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload))


def _parse_png(data: bytes, *, strip: bool) -> _Container:
    """Walk the PNG chunks up to IEND, checking every CRC when stripping."""
    view = memoryview(data)
    n = len(data)
    pos = 8
    out: list[bytes | memoryview] = [_PNG_SIGNATURE]
    container: _Container | None = None
    seen_exif = False
    for _ in range(_MAX_CONTAINER_PARTS):
        if pos + 12 > n:
            raise _corrupt("PNG ends before its IEND chunk")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > n:
            raise _corrupt(f"PNG: chunk {ctype!r} runs past the end of the file")
        if not ctype.isalpha() or not ctype.isascii():
            raise _corrupt("PNG: invalid chunk type")
        if container is None:
            if ctype != b"IHDR" or length != 13:
                raise _corrupt("PNG does not start with IHDR")
            width, height = struct.unpack_from(">II", data, pos + 8)
            if width == 0 or height == 0:
                raise _corrupt("PNG without dimensions")
            container = _Container(width, height, None)
        if strip or ctype == b"IHDR":
            crc = int.from_bytes(view[end - 4 : end], "big")
            if zlib.crc32(view[pos + 4 : end - 4]) != crc:
                raise _corrupt(f"PNG: bad CRC in chunk {ctype!r}")
        if ctype == b"eXIf" and not seen_exif:
            seen_exif = True
            container.orientation = _tiff_orientation(view[pos + 8 : end - 4])
            if strip and container.orientation is not None:
                out.append(_png_chunk(b"eXIf", _orientation_tiff(container.orientation)))
        elif ctype == b"acTL" and length >= 8:
            container.animated = int.from_bytes(view[pos + 8 : pos + 12], "big") > 1  # num_frames
        if strip and ctype in _PNG_KEEP:
            out.append(view[pos:end])
        pos = end
        if ctype == b"IEND":
            break
    else:
        raise _corrupt("PNG with too many chunks")
    assert container is not None
    if strip:
        container.clean = b"".join(out)
    return container


# WebP ----------------------------------------------------------------------------------------

_WEBP_KEEP = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"})
_VP8X_XMP = 0x04
_VP8X_EXIF = 0x08
_VP8X_ANIMATION = 0x02


def _webp_chunks(data: bytes, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(fourcc, start, payload_end, next_start) of each RIFF chunk."""
    pos = 12
    for _ in range(_MAX_CONTAINER_PARTS):
        if pos >= end:
            return
        if pos + 8 > end:
            raise _corrupt("WebP: truncated chunk header")
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        payload_end = pos + 8 + size
        if payload_end > end:
            raise _corrupt(f"WebP: chunk {fourcc!r} runs past the end of the file")
        yield fourcc, pos, payload_end, min(payload_end + (size & 1), end)
        pos = payload_end + (size & 1)
    raise _corrupt("WebP with too many chunks")


def _parse_webp(data: bytes, *, strip: bool) -> _Container:
    """Check the RIFF length, read the canvas size, drop EXIF/XMP/unknown chunks and trailing bytes."""
    riff_size = int.from_bytes(data[4:8], "little")
    end = 8 + riff_size
    if riff_size < 4 + 8 or end > len(data):
        raise _corrupt("WebP: RIFF length larger than the file")
    view = memoryview(data)
    container: _Container | None = None
    vp8x_flags: int | None = None  # None: simple format (no VP8X), which cannot carry metadata
    out: list[bytes | memoryview] = []
    for fourcc, start, payload_end, next_start in _webp_chunks(data, end):
        payload = view[start + 8 : payload_end]
        if container is None:
            if fourcc == b"VP8X" and len(payload) >= 10:
                vp8x_flags = payload[0]
                width = 1 + int.from_bytes(payload[4:7], "little")
                height = 1 + int.from_bytes(payload[7:10], "little")
            elif fourcc == b"VP8 " and len(payload) >= 10 and bytes(payload[3:6]) == b"\x9d\x01\x2a":
                width = int.from_bytes(payload[6:8], "little") & 0x3FFF
                height = int.from_bytes(payload[8:10], "little") & 0x3FFF
            elif fourcc == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
                bits = int.from_bytes(payload[1:5], "little")
                width = (bits & 0x3FFF) + 1
                height = ((bits >> 14) & 0x3FFF) + 1
            else:
                raise _corrupt("WebP: no VP8X, VP8 or VP8L chunk first")
            if width == 0 or height == 0:
                raise _corrupt("WebP without dimensions")
            animated = vp8x_flags is not None and bool(vp8x_flags & _VP8X_ANIMATION)
            container = _Container(width, height, None, animated=animated)
        if fourcc == b"EXIF" and vp8x_flags is not None and container.orientation is None:
            tiff = payload[6:] if bytes(payload[:6]) == b"Exif\x00\x00" else payload
            container.orientation = _tiff_orientation(tiff)
            if strip and container.orientation is not None:
                out.append(_webp_chunk(b"EXIF", _orientation_tiff(container.orientation)))
        elif fourcc == b"ANIM":
            container.animated = True
        if strip and fourcc in _WEBP_KEEP:
            if fourcc == b"VP8X":
                flags = vp8x_flags & ~(_VP8X_XMP | _VP8X_EXIF)
                out.append(view[start : start + 8])
                out.append(bytes((flags,)))
                out.append(view[start + 9 : next_start])
            else:
                out.append(view[start:next_start])
            if (next_start - start) % 2:
                out.append(b"\x00")  # the last chunk lacked its padding byte
    if container is None:
        raise _corrupt("WebP without image data")
    if strip:
        if container.orientation is not None:
            out[1] = bytes((out[1][0] | _VP8X_EXIF,))  # out[0:3] is the VP8X chunk
        body = b"".join(out)
        container.clean = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
    return container


def _webp_chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


# HEIF ----------------------------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload_start, box_end) of the ISO BMFF boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, btype = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise _corrupt("HEIF: truncated box header")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise _corrupt(f"HEIF: box {btype!r} runs past the end of the file")
        yield btype, pos + header, pos + size
        pos += size


def _heif_size(data: bytes) -> tuple[int, int]:
    """Largest image spatial extent ('ispe') declared in meta/iprp/ipco, as stored.

    This is an upper bound of the primary image (a grid's ispe covers the full picture, the tiles'
    are smaller); rotation by 'irot' does not change the pixel count or the shorter side.
    """
    best = (0, 0)
    for btype, start, end in _boxes(data, 0, len(data)):
        if btype != b"meta":
            continue
        for ctype, cstart, cend in _boxes(data, start + 4, end):  # meta is a FullBox
            if ctype != b"iprp":
                continue
            for ptype, pstart, pend in _boxes(data, cstart, cend):
                if ptype != b"ipco":
                    continue
                for qtype, qstart, qend in _boxes(data, pstart, pend):
                    if qtype == b"ispe" and qend - qstart >= 12:
                        w, h = struct.unpack_from(">II", data, qstart + 4)
                        if w * h > best[0] * best[1]:
                            best = (w, h)
        break
    if best[0] == 0 or best[1] == 0:
        raise _corrupt("HEIF without image size")
    return best


def _parse_header(fmt: str, data: bytes) -> _Container:
    if fmt == "jpeg":
        return _parse_jpeg(data, strip=False)
    if fmt == "png":
        return _parse_png(data, strip=False)
    if fmt == "webp":
        return _parse_webp(data, strip=False)
    width, height = _heif_size(data)
    return _Container(width, height, None)


# ---------------------------------------------------------------------------------------------
# Header checks
# ---------------------------------------------------------------------------------------------


def _check_type(data: bytes) -> str:
    fmt = detect_format(data[:64])
    if fmt is None:
        raise ImageCheckError("unsupported_type")
    return fmt


def _check_pixels(container: _Container, max_pixels: int) -> None:
    pixels = container.width * container.height
    if pixels > max_pixels:
        err = ImageCheckError(
            "too_many_pixels",
            f"This photo has too many pixels ({pixels / 1e6:.0f} megapixels, at most "
            f"{max_pixels / 1e6:.0f} are accepted). Please upload a smaller one.",
        )
        raise err


def _too_small(short_side: int, min_short_side: int) -> ImageCheckError:
    return ImageCheckError(
        "too_small",
        f"This photo is too small: its shorter side is {short_side} pixels and at least "
        f"{min_short_side} are needed. Please upload the original photo.",
    )


def _open(data: bytes, fmt: str) -> Image.Image:
    """Image.open restricted to the one detected format, with Pillow's errors mapped to ours."""
    try:
        return Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]])
    except MemoryError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageCheckError("too_many_pixels") from exc
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error, ...
        raise _corrupt(f"Pillow cannot open it: {exc}") from exc


def read_dimensions(data: bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) as displayed, from the header only (no pixel is decoded).

    Raises ImageCheckError: ``unsupported_type``, ``too_many_pixels`` (more than ``max_pixels``)
    or ``corrupt`` (header unreadable).
    """
    data = data if isinstance(data, bytes) else bytes(data)
    fmt = _check_type(data)
    container = _parse_header(fmt, data)
    _check_pixels(container, max_pixels)
    if fmt == "heif":
        # libheif applies the 'irot'/'imir' transformations; Pillow reports the displayed size.
        with _open(data, fmt) as img:
            return img.size
    return container.display_size


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Scale size so that its longer side is long_side; never upscale."""
    w, h = size
    if max(w, h) <= long_side:
        return w, h
    if w >= h:
        return long_side, max(1, round(h * long_side / w))
    return max(1, round(w * long_side / h)), long_side


def _downscale(img: Image.Image, long_side: int) -> Image.Image:
    size = _fit(img.size, long_side)
    if size == img.size:
        return img
    # reducing_gap: a cheap integer box reduction first, then the antialiased resample.
    return img.resize(size, Image.Resampling.BOX, reducing_gap=1.0)


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of a 2-D grayscale array (0..255 scale)."""
    g = np.asarray(gray, dtype=np.float32)
    if g.ndim != 2 or min(g.shape) < 3:
        return 0.0
    lap = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var(dtype=np.float64))


def _sharpness_gray(img: Image.Image) -> Image.Image:
    """The normalised image for sharpness and phash: grayscale, longer side 512 px."""
    return _downscale(img.convert("L"), SHARPNESS_LONG_SIDE)


def measure_sharpness(img: Image.Image) -> float:
    """Variance of the Laplacian on the normalised downscale (grayscale, longer side 512 px).

    For an image already decoded (e.g. a re-check). analyse_image computes the same measure from
    its 1280 px display image (after a DCT-scaled JPEG decode); the two agree within about 10 %.
    """
    return laplacian_variance(np.asarray(_sharpness_gray(img)))


# Rows 0..7 of the unnormalised 32-point DCT-II matrix (scipy.fftpack.dct, type 2, norm=None):
# X[k] = 2 * sum_n x[n] cos(pi * k * (2n + 1) / 64).
_DCT_ROWS = 2.0 * np.cos(np.pi * np.outer(np.arange(8), 2 * np.arange(32) + 1) / 64.0)


def _phash_of_32(pixels: np.ndarray) -> int:
    low = _DCT_ROWS @ pixels.astype(np.float64) @ _DCT_ROWS.T  # the 8x8 lowest frequencies
    bits = np.packbits((low > np.median(low)).ravel())  # row-major, first bit most significant
    return int.from_bytes(bits.tobytes(), "big", signed=True)


def perceptual_hash(img: Image.Image) -> int:
    """imagehash.phash(img) (hash_size=8, highfreq_factor=4) as a signed 64-bit int, bit for bit.

    Bit 63 (the sign) is the top-left DCT coefficient, as in ``int(str(imagehash.phash(img)), 16)``.
    """
    small = img.convert("L").resize((32, 32), Image.Resampling.LANCZOS)
    return _phash_of_32(np.asarray(small))


def hamming_distance(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes (signed or unsigned ints)."""
    return ((a ^ b) & 0xFFFF_FFFF_FFFF_FFFF).bit_count()


def blur_verdict(
    sharpness: float,
    *,
    reject_below: float = DEFAULT_BLUR_REJECT_BELOW,
    flag_below: float = DEFAULT_BLUR_FLAG_BELOW,
) -> str:
    """'reject' below reject_below, 'flag' (for a reviewer) below flag_below, else 'ok'."""
    if reject_below > flag_below:
        raise ValueError("reject_below must not exceed flag_below")
    if sharpness < reject_below:
        return "reject"
    if sharpness < flag_below:
        return "flag"
    return "ok"


# ---------------------------------------------------------------------------------------------
# Decoding and derivatives
# ---------------------------------------------------------------------------------------------


def _decode(data: bytes, fmt: str, stored_size: tuple[int, int], *, max_scale: int = 8) -> Image.Image:
    """Fully decode (integrity), JPEG at the smallest DCT scale that still covers the display size."""
    img = _open(data, fmt)
    try:
        if fmt == "jpeg":
            w, h = stored_size
            scale = 1
            for s in (8, 4, 2):
                if s <= max_scale and max(w, h) // s >= DISPLAY_LONG_SIDE:
                    scale = s
                    break
            if scale > 1:
                img.draft("RGB", (max(1, w // scale), max(1, h // scale)))
        img.load()
    except MemoryError:
        img.close()
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        img.close()
        raise ImageCheckError("too_many_pixels") from exc
    except Exception as exc:  # OSError("image file is truncated"), zlib/libwebp/libheif errors ...
        img.close()
        raise _corrupt(f"decoding failed: {exc}") from exc
    return img


# What libjpeg outputs for a block whose coefficients are all zero: DC 0 is mid-grey after the level
# shift. It leaves every block after the point where the image data ran out so (a warning
# Pillow does not pass on), and an EOI marker put back at the cut makes the file look whole.
_JPEG_GREY = 128


def _jpeg_corner_box(container: _Container) -> tuple[int, int, int, int]:
    """The last MCU of a JPEG (cut by the image border where the size is not a multiple of it)."""
    mcu_w, mcu_h = container.mcu
    width, height = container.width, container.height
    return (width - 1) // mcu_w * mcu_w, (height - 1) // mcu_h * mcu_h, width, height


def _jpeg_corner_looks_grey(img: Image.Image, container: _Container) -> bool:
    """Whether the last MCU of the decoded (perhaps DCT-scaled) image has a luma within 2 of 128.

    Luma rebuilt from RGB: the chroma of grey fill can blend with its real neighbours when it is
    upsampled, the luma cannot. A few pixels: this costs nothing.
    """
    if img.mode not in ("RGB", "L"):
        return False  # CMYK/YCCK: never from a phone
    scale = next((s for s in (1, 2, 4, 8) if -(-container.width // s) == img.width), 1)
    x0, y0, _, _ = _jpeg_corner_box(container)
    corner = np.asarray(img.crop((x0 // scale, y0 // scale, img.width, img.height)), dtype=np.int32)
    if corner.ndim == 3:
        corner = (299 * corner[..., 0] + 587 * corner[..., 1] + 114 * corner[..., 2] + 500) // 1000
    return corner.size > 0 and int(np.abs(corner - _JPEG_GREY).max()) <= 2


def _jpeg_corner_is_fill(data: bytes, container: _Container) -> bool:
    """Whether the luma of the last MCU, decoded at full size, is exactly 128 in every pixel.

    A real surface, however plain, shows texture or sensor noise at full size; libjpeg's fill
    does not. Decodes the luma of the whole image, so only called for a corner that looks grey.
    """
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as luma:
            luma.draft("L", None)
            corner = luma.crop(_jpeg_corner_box(container))  # loads the whole image, luma only
    except MemoryError:
        raise
    except Exception:  # it decoded once already: nothing more to learn here
        return False
    return corner.mode == "L" and bool((np.asarray(corner) == _JPEG_GREY).all())


def _jpeg_grey_filled(img: Image.Image, data: bytes, container: _Container) -> bool:
    """Whether the last MCU of a decoded JPEG is libjpeg's fill for image data that ran out."""
    return _jpeg_corner_looks_grey(img, container) and _jpeg_corner_is_fill(data, container)


# Bytes that can only be entropy-coded data (no 0xFF, so no marker): the probe of _jpeg_last_scan_cut.
_JPEG_PROBE = np.random.default_rng(0x5EA71).integers(0, 0xFF, 4096, dtype=np.uint8).tobytes()


def _jpeg_last_scan_cut(img: Image.Image, data: bytes, stored_size: tuple[int, int]) -> bool:
    """Whether the last scan of a progressive JPEG was cut, by decoding it again with bytes added.

    A progressive JPEG cut inside its last scan shows no grey: the blocks after the cut only miss
    that scan's refinement. So decode again (at the same DCT scale, 1/4 at most) with the probe at
    the end of the last scan: a whole scan never reads past its last block, so the pixels are the same;
    a cut one goes on decoding the probe as its missing data, and the pixels after the cut change.
    One more decode, for progressive files only (phones write baseline ones).
    """
    end = len(data) - 2  # clean bytes end with EOI; fill bytes (0xFF) before it stay before it
    while data[end - 1] == 0xFF:
        end -= 1
    probed = data[:end] + _JPEG_PROBE + data[end:]
    # At 1/8 scale libjpeg computes each block from its DC coefficient alone, and the last scan
    # often refines AC coefficients only: compare at 1/4 at most (the 2x2 lowest frequencies).
    base = img if -(-stored_size[0] // 4) <= img.width else _decode(data, "jpeg", stored_size, max_scale=4)
    try:
        with _decode(probed, "jpeg", stored_size, max_scale=4) as again:
            return again.size != base.size or not np.array_equal(np.asarray(again), np.asarray(base))
    except ImageCheckError:
        return True  # the probe was read as image data, and libjpeg gave up on it
    finally:
        if base is not img:
            base.close()


def _to_8bit(img: Image.Image) -> Image.Image:
    """RGB, RGBA or L with 8 bits per channel (done on the reduced image where possible)."""
    if img.mode in ("RGB", "RGBA", "L"):
        return img
    if img.mode.startswith("I;16") or img.mode == "I":
        arr = np.asarray(img)
        if img.mode.startswith("I;16") or arr.max(initial=0) > 255:
            arr = arr.astype(np.uint32) >> 8
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if img.mode == "F":
        return Image.fromarray(np.clip(np.asarray(img), 0, 255).astype(np.uint8), "L")
    has_alpha = img.mode in ("LA", "La", "PA", "RGBa") or (img.mode == "P" and "transparency" in img.info)
    return img.convert("RGBA" if has_alpha else "RGB")


def _reducible(img: Image.Image) -> Image.Image:
    """A mode that Image.resize/reduce handle (P, 1, I;16 and friends are converted first)."""
    if img.mode in ("RGB", "RGBA", "L", "LA", "CMYK", "YCbCr", "I", "F"):
        return img
    return _to_8bit(img)


def _rgb_icc(img: Image.Image) -> bytes | None:
    """The embedded ICC profile, for the derivatives, if it describes RGB and is of a sane size.

    A colour profile is not identifying metadata, and without it the Display P3 photos of recent
    phones would look washed out; converting to sRGB instead would cost more time than embedding
    the profile (typically 0.5-3 kB).
    """
    icc = img.info.get("icc_profile")
    if isinstance(icc, bytes) and 128 <= len(icc) <= 64 * 1024 and icc[16:20] == b"RGB ":
        return icc
    return None


def _webp(img: Image.Image, icc: bytes | None) -> bytes:
    buf = io.BytesIO()
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGB")
    # No exif, no xmp: Pillow writes only what it is given here.
    img.save(buf, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, icc_profile=icc or b"")
    return buf.getvalue()


@dataclass(frozen=True)
class Derivatives:
    """The two WebP files a checked image is shown with (see :meth:`CheckedImage.derivatives`)."""

    thumbnail_webp: bytes
    display_webp: bytes


class CheckedImage:
    """What :func:`check_image` proved and measured, and what the derivatives are made from.

    The verdict's facts (the same fields as :class:`ImageAnalysis`, less the two WebPs) are there as
    soon as :func:`check_image` returns. The reduced image the check decoded is kept until
    :meth:`derivatives` has made the display and thumbnail WebPs from it (or :meth:`close`), so making
    them needs no second decode. Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        *,
        format: str,
        mime_type: str,
        width: int,
        height: int,
        sharpness: float,
        phash: int,
        sha256: str,
        clean_bytes: bytes,
        reduced: Image.Image,
        orientation: int | None,
        icc: bytes | None,
    ) -> None:
        self.format = format  # detected upload format, a key of ACCEPTED_FORMATS
        self.mime_type = mime_type  # MIME type of clean_bytes
        self.width = width  # as displayed
        self.height = height
        self.sharpness = sharpness
        self.phash = phash
        self.sha256 = sha256
        self.clean_bytes = clean_bytes
        self._reduced: Image.Image | None = reduced
        self._orientation = orientation
        self._icc = icc
        # Made ahead of `derivatives` by `derive_ahead` (a thread checking the next photos), or its error.
        self._ahead: Derivatives | Exception | None = None

    def derive_ahead(self) -> None:
        """Make the WebPs now, for `derivatives` to hand over later (an error then raised there instead).

        For a thread that checks photos ahead of the one recording their verdicts: the encodes run
        there, off the recording thread, and the reduced image is released at once."""
        if self._ahead is None and self._reduced is not None:
            try:
                self._ahead = self.derivatives()
            except Exception as error:  # raised where the derivatives are asked for, as when made there
                self._ahead = error

    @property
    def derived_ahead(self) -> bool:
        """Whether `derive_ahead` made the WebPs (and `derivatives` hands them over without work)."""
        return isinstance(self._ahead, Derivatives)

    def derivatives(self) -> Derivatives:
        """The display WebP (longer side 1080 px, upright) and the thumbnail (320 px); once only."""
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            if isinstance(ahead, Exception):
                raise ahead
            return ahead
        if self._reduced is None:
            raise RuntimeError("the derivatives were made already, or the image was closed")
        try:
            display = _to_8bit(_downscale(_reducible(self._reduced), DISPLAY_LONG_SIDE))
            if self._orientation in _ORIENTATION_TRANSPOSE:
                display = display.transpose(_ORIENTATION_TRANSPOSE[self._orientation])
            thumbnail = _downscale(display, THUMBNAIL_LONG_SIDE)
            return Derivatives(
                thumbnail_webp=_webp(thumbnail, self._icc), display_webp=_webp(display, self._icc)
            )
        finally:
            self.close()

    def close(self) -> None:
        self._ahead = None
        if self._reduced is not None:
            self._reduced.close()
            self._reduced = None

    def __enter__(self) -> CheckedImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # keep the bytes out of logs and test failure output
        return (
            f"CheckedImage(format={self.format!r}, mime_type={self.mime_type!r}, width={self.width}, "
            f"height={self.height}, sharpness={self.sharpness:.1f}, phash={self.phash}, "
            f"sha256={self.sha256[:12]}..., clean_bytes={len(self.clean_bytes)} B)"
        )


# Up to this size the reduced image is converted to grayscale before its resizes (a 12 MP phone JPEG
# decodes at DCT 1/2 to 3 MP: a 3 MB copy); above it, the colour image is resized first.
_LUMA_FIRST_MAX_PIXELS = 8_000_000


def _measure(img: Image.Image, orientation: int | None) -> tuple[float, int]:
    """Sharpness and phash of the reduced image, as on the display image, without making it.

    The same chain of resizes as the display image and its 512 px grayscale (box to 1080 px, upright,
    box to 512 px), but on the luma alone: converted to grayscale first, where up to session 3 the
    colour display image was made first (the display's resize is half the time of the decode, and
    the verdict does not need it). Only the rounding differs: phashes a few bits apart at most on
    textures whose low frequencies all lie close to their median, sharpness within a per cent
    (measured by bench/image_checks.py, held by tests/contributions/test_checks.py).
    """
    if img.width * img.height > _LUMA_FIRST_MAX_PIXELS:
        # A full-size decode (a large PNG, WebP or HEIF): a grayscale copy of it would cost as much memory
        # as a third of the decode again, so the colour image is reduced first, as up to session 3.
        luma = _to_8bit(_downscale(_reducible(img), DISPLAY_LONG_SIDE)).convert("L")
    else:
        luma = _to_8bit(_reducible(img))
        luma = _downscale(luma if luma.mode == "L" else luma.convert("L"), DISPLAY_LONG_SIDE)
    if orientation in _ORIENTATION_TRANSPOSE:
        luma = luma.transpose(_ORIENTATION_TRANSPOSE[orientation])
    gray = _downscale(luma, SHARPNESS_LONG_SIDE)
    sharpness = laplacian_variance(np.asarray(gray))
    return sharpness, _phash_of_32(np.asarray(gray.resize((32, 32), Image.Resampling.LANCZOS)))


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


def analyse_image(data: bytes, *, min_short_side: int = 512, max_pixels: int = MAX_PIXELS) -> ImageAnalysis:
    """Check an uploaded photo and compute everything the portal stores about it.

    :func:`check_image` then :meth:`CheckedImage.derivatives`, in one call. Raises ImageCheckError
    with code ``too_large``, ``unsupported_type``, ``too_many_pixels``, ``too_small``, ``animated``
    or ``corrupt``. Blur is measured, not judged: see :func:`blur_verdict`.
    """
    with check_image(data, min_short_side=min_short_side, max_pixels=max_pixels) as checked:
        derived = checked.derivatives()
    return ImageAnalysis(
        format=checked.format,
        mime_type=checked.mime_type,
        width=checked.width,
        height=checked.height,
        sharpness=checked.sharpness,
        phash=checked.phash,
        sha256=checked.sha256,
        clean_bytes=checked.clean_bytes,
        thumbnail_webp=derived.thumbnail_webp,
        display_webp=derived.display_webp,
    )


def check_image(data: bytes, *, min_short_side: int = 512, max_pixels: int = MAX_PIXELS) -> CheckedImage:
    """The check an upload's verdict needs: every test of the module docstring, sharpness and hashes.

    The display and thumbnail WebPs are not made here: the verdict does not depend on them, and
    encoding them costs as much again as the rest of the check past the decode. Call
    :meth:`CheckedImage.derivatives` for them once the verdict is recorded.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageCheckError("too_large")
    data = data if isinstance(data, bytes) else bytes(data)
    fmt = _check_type(data)
    header = _parse_header(fmt, data)
    _check_pixels(header, max_pixels)
    short_side = min(header.width, header.height)  # the same whatever the orientation
    if short_side < min_short_side:
        raise _too_small(short_side, min_short_side)
    if header.animated:
        raise ImageCheckError("animated")  # an animated PNG (APNG) or WebP; GIF never gets here
    if fmt == "heif":
        return _check_heif(data, min_short_side)

    parsed = {"jpeg": _parse_jpeg, "png": _parse_png, "webp": _parse_webp}[fmt](data, strip=True)
    clean = parsed.clean
    assert clean is not None
    # Decode what we keep, not what we received: the stored file is the one proven to decode.
    img = _decode(clean, fmt, (parsed.width, parsed.height))
    try:
        if fmt == "jpeg" and _jpeg_grey_filled(img, clean, parsed):
            raise _corrupt("JPEG image data ends early (the last blocks are libjpeg's grey fill)")
        if (
            fmt == "jpeg"
            and parsed.progressive
            and _jpeg_last_scan_cut(img, clean, (parsed.width, parsed.height))
        ):
            raise _corrupt("JPEG image data ends early (the last scan reads on into bytes added after it)")
        sharpness, phash = _measure(img, parsed.orientation)
    except BaseException:
        img.close()
        raise
    expected = parsed.display_size
    return CheckedImage(
        format=fmt,
        mime_type=ACCEPTED_FORMATS[fmt],
        width=expected[0],
        height=expected[1],
        sharpness=sharpness,
        phash=phash,
        sha256=hashlib.sha256(clean).hexdigest(),
        clean_bytes=clean,
        reduced=img,
        orientation=parsed.orientation,
        icc=_rgb_icc(img),
    )


def _check_heif(data: bytes, min_short_side: int) -> CheckedImage:
    """HEIC/HEIF: the kept original is a JPEG conversion, not the HEIC itself.

    Why: the other formats are stripped at the container level, but a HEIF file keeps its EXIF
    and XMP as items referenced from the 'iloc' box by absolute file offsets; removing them
    without re-encoding needs a HEIF muxer, and neither Pillow nor pillow-heif can rewrite the
    container without re-encoding the HEVC data. Re-encoding to HEIC would keep the format but
    costs seconds per photo (x265) and many browsers cannot show HEIC anyway. So we decode once
    and keep a quality-92 JPEG, upright (libheif applies the irot/imir transformations), with the
    ICC profile and with no EXIF/XMP. ``format`` stays "heif" (what the contributor uploaded) while
    ``mime_type`` and ``clean_bytes`` describe the JPEG we store.
    """
    img = _decode(data, "heif", (0, 0))
    try:
        if min(img.size) < min_short_side:  # the header check used the largest 'ispe' of the file
            raise _too_small(min(img.size), min_short_side)
        icc = _rgb_icc(img)
        full = _to_8bit(img)
        if full.mode != "RGB":
            full = full.convert("RGB")
        buf = io.BytesIO()
        full.save(buf, "JPEG", quality=HEIF_JPEG_QUALITY, icc_profile=icc or b"")
        del full
        clean = buf.getvalue()
        sharpness, phash = _measure(img, None)
    except BaseException:
        img.close()
        raise
    width, height = img.size
    return CheckedImage(
        format="heif",
        mime_type="image/jpeg",
        width=width,
        height=height,
        sharpness=sharpness,
        phash=phash,
        sha256=hashlib.sha256(clean).hexdigest(),
        clean_bytes=clean,
        reduced=img,
        orientation=None,
        icc=icc,
    )
