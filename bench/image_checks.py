"""Benchmark of contributions.checks.analyse_image: speed, peak memory, blur calibration.

    .venv/bin/python bench/image_checks.py            # everything, ~2-3 minutes
    .venv/bin/python bench/image_checks.py --quick    # fewer repetitions, no 120 MP images

The speed section prints the check beside the limit it stands against, measured in the same run: the
scaled decode alone (same files, same DCT scale; target: the check <= 1.6x it). Rows, interleaved so that
the machine's load hits them alike: the limit; check_image, the verdict the contributor waits for (the
worker commits it before it encodes the WebPs); analyse_image, the verdict and both WebPs; the previous
implementation (session 3, whose verdict waited for both WebPs); the naive pipeline. Then the options
for the other stages side by side (decode scale, resampler, the display WebP's method and quality, libvips
through pyvips when it is installed: `pip install pyvips pyvips-binary`, one thread), each with its time,
its display's size and its fidelity (PSNR of the display against a Lanczos downscale of the full decode).
The stability section measures how far the verdict's sharpness and phash are from the previous
implementation's (Hamming distance against hashes stored before; blur verdicts that changed).

Generated images are cached in bench/out/ (gitignored). Timings are CPU time of this process
(time.process_time), i.e. photos per second per core; wall time is printed beside it. Peak memory
is measured for each case in a fresh process: a wrapper process starts the worker and reads
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss once the worker has exited, so every figure is
that one worker's peak; the baseline is a worker that imports everything and reads the file but
does not analyse it.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageFilter, ImageOps, features  # noqa: E402

from contributions import checks  # noqa: E402

OUT = ROOT / "bench" / "out"
PHONE = (4000, 3000)  # 12 MP
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


def skimage_photo(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def phone_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15 Pro"
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (10.0, 46.0, 35.0), 3: "E", 4: (106.0, 41.0, 43.0)})
    exif.get_ifd(0x8769)[0xA431] = "SN-0123456789"
    return exif


@functools.lru_cache(maxsize=2)
def noise_field(shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """One Gaussian noise field per size, reused: the bench needs noise, not a new one each time."""
    rng = np.random.default_rng(1234)
    return np.clip(rng.standard_normal(shape, dtype=np.float32) * sigma, -127, 127).round().astype(np.int16)


def add_noise(img: Image.Image, sigma: float) -> Image.Image:
    arr = np.asarray(img, dtype=np.int16) + noise_field((img.height, img.width, 3), sigma)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def cached(name: str, make) -> bytes:
    path = OUT / name
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(make())
        tmp.rename(path)
    return path.read_bytes()


def phone_jpeg(name: str, seed: int) -> bytes:
    """A 12 MP phone photo: upscaled skimage photo, mild noise, JPEG q90, EXIF with GPS."""

    def make() -> bytes:
        img = add_noise(skimage_photo(name).resize(PHONE, Image.Resampling.BICUBIC), 3.0)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90, exif=phone_exif(6 if seed % 2 else 1))
        return buf.getvalue()

    return cached(f"phone-{name}.jpg", make)


def big_image(kind: str, size: tuple[int, int]) -> Path:
    """Large JPEG / PNG below 25 MB: upscaled photo (PNG: nearest-neighbour so it compresses)."""
    path = OUT / f"big-{size[0]}x{size[1]}.{kind}"

    def make() -> bytes:
        src = skimage_photo("astronaut")
        buf = io.BytesIO()
        if kind == "jpg":
            src.resize(size, Image.Resampling.BICUBIC).save(buf, "JPEG", quality=85, exif=phone_exif(1))
        else:
            src.resize(size, Image.Resampling.NEAREST).save(buf, "PNG", compress_level=6)
        return buf.getvalue()

    data = cached(path.name, make)
    assert len(data) <= checks.MAX_UPLOAD_BYTES, (path, len(data))
    return path


# ---------------------------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------------------------


def naive_pipeline(data: bytes) -> tuple:
    """What one would write without care: everything at full size, Pillow defaults."""
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    gray = np.asarray(img.convert("L"), dtype=np.float32)
    lap = gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4 * gray[1:-1, 1:-1]
    sharp = float(lap.var())
    phash = checks.perceptual_hash(img)  # imagehash.phash from the full-size image
    clean = io.BytesIO()
    img.save(clean, "JPEG", quality=90)  # re-encode to drop the metadata
    display = img.copy()
    display.thumbnail((checks.DISPLAY_LONG_SIDE, checks.DISPLAY_LONG_SIDE))
    thumb = display.copy()
    thumb.thumbnail((320, 320))
    outs = []
    for d in (display, thumb):
        buf = io.BytesIO()
        d.save(buf, "WEBP", quality=80)  # method 4, Pillow's default
        outs.append(buf.getvalue())
    return sharp, phash, hashlib.sha256(clean.getvalue()).hexdigest(), outs


def measure(fn, inputs: list[bytes], rounds: int) -> tuple[float, float, list[float]]:
    fn(inputs[0])  # warm up
    per_image = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        for data in inputs:
            t0 = time.process_time()
            fn(data)
            per_image.append(time.process_time() - t0)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = rounds * len(inputs)
    return n / cpu, n / wall, per_image


def previous_analyse(data: bytes) -> tuple:
    """Session 3's analyse_image for a JPEG, step for step: the verdict waited for both WebPs, and
    sharpness and phash were measured on the 1080 px display image."""
    parsed = checks._parse_jpeg(data, strip=True)
    size = (parsed.width, parsed.height)
    with checks._decode(parsed.clean, "jpeg", size) as img:
        if checks._jpeg_grey_filled(img, parsed.clean, parsed):
            raise checks.ImageCheckError("corrupt")
        if parsed.progressive and checks._jpeg_last_scan_cut(img, parsed.clean, size):
            raise checks.ImageCheckError("corrupt")
        sharpness, phash, display = previous_measure(img, parsed.orientation)
        icc = checks._rgb_icc(img)
        thumbnail = checks._downscale(display, checks.THUMBNAIL_LONG_SIDE)
        webps = checks._webp(thumbnail, icc), checks._webp(display, icc)
    return sharpness, phash, hashlib.sha256(parsed.clean).hexdigest(), webps


def previous_measure(img: Image.Image, orientation: int | None) -> tuple[float, int, Image.Image]:
    """Session 3's sharpness and phash: on the 1080 px display image (box), then 512 px grayscale."""
    display = checks._to_8bit(checks._downscale(checks._reducible(img), checks.DISPLAY_LONG_SIDE))
    if orientation in checks._ORIENTATION_TRANSPOSE:
        display = display.transpose(checks._ORIENTATION_TRANSPOSE[orientation])
    gray = checks._sharpness_gray(display)
    phash = checks._phash_of_32(np.asarray(gray.resize((32, 32), Image.Resampling.LANCZOS)))
    return checks.laplacian_variance(np.asarray(gray)), phash, display


def check_only(data: bytes) -> None:
    checks.check_image(data).close()


def bench_speed(rounds: int) -> None:
    inputs = [phone_jpeg(name, seed) for seed, name in enumerate(PHOTOS[:6])]
    mb = sum(map(len, inputs)) / len(inputs) / 1e6
    print(f"\n## Speed: {len(inputs)} phone JPEGs {PHONE[0]}x{PHONE[1]} (12 MP, q90, ~{mb:.1f} MB, EXIF+GPS)")
    print(
        f"{'pipeline (CPU of this process; ratio to the limit)':62s} {'img/s/core':>10s} {'(wall)':>8s} "
        f"{'ms median':>10s} {'ms p90':>8s} {'x limit':>8s}"
    )
    # Interleaved, so that a change in the machine's load hits every row alike.
    results: dict[str, list] = {}
    pipelines = [
        ("limit", scaled_decode),
        ("check", check_only),
        ("whole", checks.analyse_image),
        ("previous", previous_analyse),
    ]
    for _ in range(3):
        for key, fn in pipelines:
            rate = measure(fn, inputs, max(1, rounds // 3))
            if key in results:
                results[key][2].extend(rate[2])
            else:
                results[key] = list(rate)
    results["naive"] = list(measure(naive_pipeline, inputs, max(1, rounds // 6)))
    for key in results:
        per = results[key][2]
        results[key][0] = 1 / statistics.mean(per)  # CPU rate from every run of the three passes
    limit_ms = statistics.median(results["limit"][2]) * 1e3
    labels = {
        "limit": "the limit: the scaled decode alone (DCT 1/2, same files)",
        "check": "check_image: the verdict (what the contributor waits for)",
        "whole": "analyse_image: the verdict + display and thumbnail WebPs",
        "previous": "previous implementation (session 3: verdict after both WebPs)",
        "naive": "naive full-size pipeline",
    }
    for key in ("limit", "check", "whole", "previous", "naive"):
        cpu_rate, wall_rate, per = results[key]
        p90 = sorted(per)[int(0.9 * (len(per) - 1))]
        median = statistics.median(per) * 1e3
        print(
            f"{labels[key]:62s} {cpu_rate:10.1f} {wall_rate:8.1f} {median:10.1f} {p90 * 1e3:8.1f} "
            f"{median / limit_ms:8.2f}"
        )
    check_ratio = statistics.median(results["check"][2]) * 1e3 / limit_ms
    whole_ratio = statistics.median(results["whole"][2]) * 1e3 / limit_ms
    print(
        f"the verdict / scaled decode: x{check_ratio:.2f} (CPU, medians); target <= x1.6: "
        f"{'met' if check_ratio <= 1.6 else 'NOT met'}. Verdict + derivatives: x{whole_ratio:.2f} "
        f"(previous x{statistics.median(results['previous'][2]) * 1e3 / limit_ms:.2f}); "
        f"the check is x{results['check'][0] / results['naive'][0]:.1f} the naive pipeline. "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    result = checks.analyse_image(inputs[0])
    print(
        f"sizes for {PHOTOS[0]}: clean {len(result.clean_bytes) / 1e6:.2f} MB (input {len(inputs[0]) / 1e6:.2f} MB), "
        f"display {len(result.display_webp) / 1e3:.0f} kB, thumbnail {len(result.thumbnail_webp) / 1e3:.0f} kB"
    )
    stages(inputs[0])
    options(inputs[0])


def scaled_decode(data: bytes) -> None:
    """The limit of the check: what it must do anyway, decode the file at the DCT scale it uses."""
    parsed = checks._parse_jpeg(data, strip=False)
    checks._decode(data, "jpeg", (parsed.width, parsed.height)).close()


def _draft_decode(data: bytes, scale: int) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", (img.width // scale, img.height // scale))
    img.load()
    return img


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB"), dtype=np.float32)
    y = np.asarray(b.convert("RGB").resize(a.size, Image.Resampling.LANCZOS), dtype=np.float32)
    mse = float(np.mean((x - y) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def options(data: bytes) -> None:
    """The stages' options side by side, on one photo (CPU ms, median of 5): what each saves, what it costs."""

    def t(fn) -> tuple[float, object]:
        runs, out = [], None
        for _ in range(5):
            t0 = time.process_time()
            out = fn()
            runs.append(time.process_time() - t0)
        return statistics.median(runs) * 1e3, out

    parsed = checks._parse_jpeg(data, strip=True)
    size = (parsed.width, parsed.height)
    with Image.open(io.BytesIO(data)) as full:
        full.load()
        reference = checks._downscale(full, checks.DISPLAY_LONG_SIDE)
        reference = full.resize(reference.size, Image.Resampling.LANCZOS)
    print(
        f"\noptions on {PHOTOS[0]} (CPU ms, median of 5; PSNR of the display against a Lanczos downscale of the"
    )
    print("full decode; the check today: DCT 1/2, box, WebP method 0 q80)")
    print(f"{'stage option':52s} {'ms':>6s} {'kB':>6s} {'PSNR dB':>8s}")
    rows = []
    for scale in (2, 4):
        ms, img = t(lambda scale=scale: _draft_decode(parsed.clean, scale))
        rows.append((f"decode, DCT 1/{scale} to {img.width}x{img.height}", ms, None, None))
        for name, method in (
            ("box", Image.Resampling.BOX),
            ("bilinear", Image.Resampling.BILINEAR),
            ("nearest", Image.Resampling.NEAREST),
        ):
            long_side = min(checks.DISPLAY_LONG_SIDE, max(img.size))
            target = checks._fit(img.size, long_side)
            ms, display = t(lambda img=img, target=target, method=method: img.resize(target, method))
            rows.append(
                (f"  resize 1/{scale} -> {target[0]}x{target[1]} {name}", ms, None, _psnr(display, reference))
            )
        if scale == 4:  # the smaller display this scale gives, with no resize at all
            ms, webp = t(lambda img=img: checks._webp(img, None))
            with Image.open(io.BytesIO(webp)) as decoded:
                decoded.load()
                rows.append(
                    (
                        f"  display WebP of the 1/4 decode itself, {img.width}x{img.height}, method 0 q80",
                        ms,
                        len(webp) / 1e3,
                        _psnr(decoded, reference),
                    )
                )
        img.close()
    img = checks._decode(parsed.clean, "jpeg", size)
    display = checks._downscale(img, checks.DISPLAY_LONG_SIDE)
    for method, quality in ((0, 80), (0, 70), (1, 80), (2, 80), (4, 80)):

        def encode(method=method, quality=quality) -> bytes:
            buf = io.BytesIO()
            display.save(buf, "WEBP", quality=quality, method=method)
            return buf.getvalue()

        ms, webp = t(encode)
        with Image.open(io.BytesIO(webp)) as decoded:
            decoded.load()
            rows.append(
                (f"display WebP method {method} q{quality}", ms, len(webp) / 1e3, _psnr(decoded, reference))
            )
    try:
        import pyvips
    except (ImportError, OSError):
        rows.append(("libvips: pyvips not installed (pip install pyvips pyvips-binary)", 0.0, None, None))
    else:
        pyvips.concurrency_set(1)  # per core, as the other rows
        pyvips.cache_set_max(0)

        def vips() -> bytes:
            thumb = pyvips.Image.thumbnail_buffer(data, checks.DISPLAY_LONG_SIDE, no_rotate=True)
            return thumb.webpsave_buffer(Q=checks.WEBP_QUALITY, effort=0, strip=True)

        ms, webp = t(vips)
        with Image.open(io.BytesIO(webp)) as decoded:
            decoded.load()
            rows.append(
                (
                    f"libvips {pyvips.version(0)}.{pyvips.version(1)}: shrink-on-load decode + resize + WebP effort 0",
                    ms,
                    len(webp) / 1e3,
                    _psnr(decoded, reference),
                )
            )
        ms, _image = t(
            lambda: pyvips.Image.thumbnail_buffer(
                data, checks.DISPLAY_LONG_SIDE, no_rotate=True
            ).write_to_memory()
        )
        rows.append(("libvips: shrink-on-load decode + resize alone", ms, None, None))
    for label, ms, kb, psnr in rows:
        kb_text = f"{kb:6.0f}" if kb is not None else " " * 6
        psnr_text = f"{psnr:8.1f}" if psnr is not None else ""
        print(f"{label:52s} {ms:6.1f} {kb_text} {psnr_text}")


def stages(data: bytes) -> None:
    """Where the time goes, for one photo (CPU ms, median of 7)."""

    def t(fn) -> float:
        runs = []
        for _ in range(7):
            t0 = time.process_time()
            fn()
            runs.append(time.process_time() - t0)
        return statistics.median(runs) * 1e3

    parsed = checks._parse_jpeg(data, strip=True)
    img = checks._decode(parsed.clean, "jpeg", (parsed.width, parsed.height))
    display = checks._downscale(img, checks.DISPLAY_LONG_SIDE).transpose(Image.Transpose.ROTATE_270)
    rows = [
        ("parse + strip metadata", t(lambda: checks._parse_jpeg(data, strip=True))),
        (
            f"decode, DCT-scaled to {img.width}x{img.height}",
            t(lambda: checks._decode(parsed.clean, "jpeg", (parsed.width, parsed.height))),
        ),
        (
            "cut-JPEG tests on the decoded image",
            t(lambda: checks._jpeg_grey_filled(img, parsed.clean, parsed)),
        ),
        ("512 px grayscale + Laplacian + pHash", t(lambda: checks._measure(img, 6))),
        ("sha256", t(lambda: hashlib.sha256(parsed.clean).hexdigest())),
    ]
    derived = [
        (
            f"resize to {checks.DISPLAY_LONG_SIDE} px (box)",
            t(lambda: checks._downscale(img, checks.DISPLAY_LONG_SIDE)),
        ),
        ("orientation", t(lambda: display.transpose(Image.Transpose.ROTATE_90))),
        (
            f"display WebP (q{checks.WEBP_QUALITY}, method {checks.WEBP_METHOD})",
            t(lambda: checks._webp(display, None)),
        ),
        ("thumbnail resize + WebP", t(lambda: checks._webp(checks._downscale(display, 320), None))),
        (
            "previous: 512 px grayscale of the display + Laplacian + pHash",
            t(lambda: previous_measure(img, 6)),
        ),
    ]
    print("stages of the verdict (CPU ms):  " + "; ".join(f"{label} {ms:.1f}" for label, ms in rows))
    print("stages of the derivatives (CPU ms):  " + "; ".join(f"{label} {ms:.1f}" for label, ms in derived))
    for method in (0, 2, 4):
        buf = io.BytesIO()
        t0 = time.process_time()
        display.save(buf, "WEBP", quality=checks.WEBP_QUALITY, method=method)
        print(
            f"  display WebP method {method}: {(time.process_time() - t0) * 1e3:.0f} ms, {len(buf.getvalue()) / 1e3:.0f} kB"
        )


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------

WORKER = """
import sys
sys.path.insert(0, {root!r})
from contributions import checks
data = open({path!r}, "rb").read()
if {analyse!r}:
    result = checks.analyse_image(data)
    print(result.width, result.height, len(result.clean_bytes), file=sys.stderr)
"""


def child_peak_kib(path: Path, analyse: bool) -> int:
    """Run in a wrapper process (started by the caller) so RUSAGE_CHILDREN sees one worker only."""
    code = WORKER.format(root=str(ROOT), path=str(path), analyse=analyse)
    subprocess.run([sys.executable, "-c", code], check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def peak_mib(path: Path, analyse: bool) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--peak", str(path), "--analyse" if analyse else "--baseline"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def bench_memory(quick: bool) -> None:
    cases = [("50 MP JPEG 8640x5760", big_image("jpg", (8640, 5760)), 300)]
    if not quick:
        cases += [
            ("120 MP JPEG 12640x9490", big_image("jpg", (12640, 9490)), 600),
            ("120 MP PNG 12640x9490 (RGB)", big_image("png", (12640, 9490)), 600),
        ]
    print("\n## Peak memory (fresh process each; RSS, MiB)")
    print(f"{'image':30s} {'file MB':>8s} {'baseline':>9s} {'analyse':>8s} {'delta':>7s} {'limit':>6s}")
    for label, path, limit in cases:
        base = peak_mib(path, analyse=False)
        peak = peak_mib(path, analyse=True)
        delta = peak - base
        verdict = "ok" if delta < limit else "OVER"
        print(
            f"{label:30s} {path.stat().st_size / 1e6:8.1f} {base:9.0f} {peak:8.0f} {delta:7.0f} {limit:6d} {verdict}"
        )


# ---------------------------------------------------------------------------------------------
# Blur calibration
# ---------------------------------------------------------------------------------------------


def blurred_phone_photo(name: str, radius: float, noise: float) -> bytes:
    img = skimage_photo(name)
    scale = 1280 / max(img.size)
    img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    if radius:
        img = img.filter(ImageFilter.GaussianBlur(radius))
    img = img.resize((round(img.width * 3.125), round(img.height * 3.125)), Image.Resampling.BICUBIC)
    if noise:
        img = add_noise(img, noise)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def bench_blur(quick: bool) -> None:
    radii = (0, 2, 4, 8)
    noises = (0.0,) if quick else (0.0, 3.0)
    print(
        "\n## Blur calibration: sharpness (Laplacian variance at 512 px) of photos at 1280 px, Gaussian blur "
        "radius r, upscaled to 4000 px, JPEG q90 (n = sensor noise sigma)"
    )
    print(
        f"thresholds: reject < {checks.DEFAULT_BLUR_REJECT_BELOW:g}, flag < {checks.DEFAULT_BLUR_FLAG_BELOW:g}; "
        "expected verdicts r0 ok, r2 flag, r8 reject (r4 either of the last two)"
    )
    cols = [(n, r) for n in noises for r in radii]
    print(f"{'photo':22s}" + "".join(f"{f'r{r} n{n:g}':>12s}" for n, r in cols))
    wrong = 0
    for name in PHOTOS:
        cells = []
        for noise, radius in cols:
            value = checks.analyse_image(blurred_phone_photo(name, radius, noise)).sharpness
            verdict = checks.blur_verdict(value)
            expected = {0: {"ok"}, 2: {"flag"}, 4: {"flag", "reject"}, 8: {"reject"}}[radius]
            mark = "" if verdict in expected else "!"
            wrong += bool(mark)
            cells.append(f"{value:7.1f} {verdict[0]}{mark}")
        print(f"{name:22s}" + "".join(f"{c:>12s}" for c in cells))
    print(f"unexpected verdicts (marked !): {wrong}")


# ---------------------------------------------------------------------------------------------
# Hash and sharpness stability: the verdict's measure against the previous one
# ---------------------------------------------------------------------------------------------

STABILITY_PHOTOS = PHOTOS + [
    "brick",
    "cat",
    "clock",
    "colorwheel",
    "grass",
    "gravel",
    "moon",
    "page",
    "retina",
    "text",
]


def previous_of(data: bytes) -> tuple[float, int]:
    """Session 3's sharpness and phash of a file (any accepted format but HEIF)."""
    fmt = checks.detect_format(data[:64])
    parsed = {"jpeg": checks._parse_jpeg, "png": checks._parse_png, "webp": checks._parse_webp}[fmt](
        data, strip=True
    )
    with checks._decode(parsed.clean, fmt, (parsed.width, parsed.height)) as img:
        sharpness, phash, _display = previous_measure(img, parsed.orientation)
    return sharpness, phash


def generated_photo(seed: int, size: tuple[int, int]) -> Image.Image:
    """Random blocks with noise (as bench/bulk_import.py) or a smooth gradient with a few shapes."""
    rng = np.random.default_rng(seed)
    width, height = size
    if seed % 2:
        blocks = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
        base = np.kron(blocks, np.ones((height // 8 + 1, width // 8 + 1, 1), dtype=np.uint8))[:height, :width]
        noisy = base.astype(int) + rng.integers(-30, 30, size=(height, width, 3))
        return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    y, x = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * x / width + np.sin(angle) * y / height) * 200
    pixels = np.stack([ramp, ramp[::-1], ramp[:, ::-1]], axis=-1)
    for _ in range(5):
        cx, cy, r = rng.integers(0, width), rng.integers(0, height), rng.integers(height // 20, height // 4)
        pixels[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.integers(0, 256, 3)
    return Image.fromarray(np.clip(pixels + rng.normal(0, 2, pixels.shape), 0, 255).astype(np.uint8))


def bench_stability(quick: bool) -> None:
    """Whether the verdict's new measure (one box downscale to 512 px) answers as the previous one did
    (on the 1080 px display image): the phash against hashes stored before the change (Hamming
    distance; near duplicates are <= 8 bits apart), the sharpness and its blur verdict."""
    cases: list[tuple[str, bytes]] = []
    names = STABILITY_PHOTOS[:6] if quick else STABILITY_PHOTOS
    for seed, name in enumerate(names):
        cases.append((f"{name} 12 MP", phone_jpeg(name, seed)))
    if not quick:
        for name in names:
            clean = checks._parse_jpeg(phone_jpeg(name, 0), strip=True).clean
            for orientation in (3, 6, 8):
                rotated = clean.replace(checks._orientation_tiff(1), checks._orientation_tiff(orientation), 1)
                if rotated == clean:  # phone_jpeg wrote orientation 6: swap it for the others
                    rotated = clean.replace(
                        checks._orientation_tiff(6), checks._orientation_tiff(orientation), 1
                    )
                cases.append((f"{name} 12 MP orientation {orientation}", rotated))
    for name in PHOTOS[: 3 if quick else 8]:
        for radius in (2, 4, 8):
            cases.append((f"{name} blur r{radius}", blurred_phone_photo(name, radius, 3.0)))
    for seed in range(6 if quick else 24):
        size = ((4000, 3000), (1600, 1200), (3024, 4032))[seed % 3]
        img = generated_photo(seed, size)
        buf = io.BytesIO()
        fmt = ("JPEG", "JPEG", "PNG", "WEBP")[seed % 4]
        img.save(buf, fmt, **({"quality": 90} if fmt != "PNG" else {"compress_level": 1}))
        cases.append((f"generated {seed} {size[0]}x{size[1]} {fmt}", buf.getvalue()))
    distances, ratios, changed = [], [], []
    for label, data in cases:
        old_sharpness, old_phash = previous_of(data)
        with checks.check_image(data) as new:
            distance = checks.hamming_distance(old_phash, new.phash)
            ratio = new.sharpness / old_sharpness if old_sharpness else 1.0
            old_verdict, new_verdict = checks.blur_verdict(old_sharpness), checks.blur_verdict(new.sharpness)
        distances.append(distance)
        ratios.append(ratio)
        if old_verdict != new_verdict:
            changed.append(f"{label}: {old_sharpness:.1f} {old_verdict} -> {new.sharpness:.1f} {new_verdict}")
    histogram = {d: distances.count(d) for d in sorted(set(distances))}
    print(
        f"\n## Hash and sharpness stability: the verdict's measure against the previous one, {len(cases)} files "
        f"(skimage.data photos as 12 MP phone JPEGs, upright and rotated; blurred ones; generated JPEG/PNG/WebP)"
    )
    print(
        f"phash Hamming distance new vs previous: max {max(distances)}, mean {statistics.mean(distances):.2f}, "
        f"histogram {histogram} (bound held by the tests: <= 2; near-duplicate threshold 8)"
    )
    print(
        f"sharpness new / previous: {min(ratios):.3f} .. {max(ratios):.3f} (median {statistics.median(ratios):.3f}); "
        f"blur verdicts changed: {len(changed)}" + ("".join(f"\n  {line}" for line in changed))
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peak", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--analyse", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        print(child_peak_kib(args.peak, analyse=args.analyse))
        return
    start = time.perf_counter()
    print(
        f"Python {platform.python_version()}, Pillow {Image.__version__} (libjpeg-turbo "
        f"{features.version('libjpeg_turbo')}, libwebp {features.version('webp')}), numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs {platform.processor() or platform.machine()}"
    )
    bench_speed(rounds=2 if args.quick else 6)
    bench_memory(args.quick)
    bench_blur(args.quick)
    bench_stability(args.quick)
    print(f"\nbench time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
