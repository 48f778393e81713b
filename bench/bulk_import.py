"""Benchmark of the bulk import: a ZIP of N photos with the campaign's CSV, through the real services.

Each size runs in a fresh process with its own PostgreSQL database (created, migrated, dropped) and its
own media folder: `bulk_import_create` (the whole archive checked from its central directory, the CSV
parsed, the ZIP stored) then `bulk_import_process` (every row submitted through `image_submission_create`,
whose image check runs in-process, as on the embedded default: when it returns, every check is done).
It prints, for each size:

- rows/s and the time until all checks are done, beside the limit it stands against, measured in the
  same run: N x the check time of the same photos (`analyse_image` alone on them, wall time; target: the
  import <= 1.3x that); the same check timed again after the import, and the import's CPU against the
  check's CPU (both less moved by the other work of a shared machine than wall times), and the part of
  that CPU spent in the importing thread itself (the checks' image work may run in a thread beside it);
- the process's peak memory (RSS), for two sizes of ZIP: the ZIP is read member by member, never whole,
  so the peak must not grow with the ZIP (target: the larger ZIP's peak within 10 % + 30 MiB of the
  smaller one's).

The photos are generated (distinct blocks and noise, so no two are near duplicates), 1600 x 1200 JPEG q85,
stored uncompressed in the ZIP as phones' JPEGs are; photos and ZIPs are cached in bench/out/ (gitignored).

    .venv/bin/python bench/bulk_import.py                   # reduced scale: 200 photos (and 50)
    BENCH_PHOTOS=1000 .venv/bin/python bench/bulk_import.py  # full scale: 1,000 photos (and 250)
    BENCH_DB_NAME=bench_bulk_2 ...                           # its own database when another run may be going on
    BENCH_PREVIOUS_ROOT=/tmp/previous ...                    # the previous implementation beside it (a checkout)
"""

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_database import BenchDatabase, log  # noqa: E402

PHOTOS = int(os.environ.get("BENCH_PHOTOS", 200))
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench_bulk")
# Another checkout (e.g. `git worktree add /tmp/previous main`) whose bench/bulk_import.py runs the same
# import with that tree's code, printed beside this one's at the larger size.
PREVIOUS_ROOT = os.environ.get("BENCH_PREVIOUS_ROOT", "")
SIZE = (1600, 1200)
OUT = Path(__file__).resolve().parent / "out"
CHECK_SAMPLE = 40
HEADER = (
    "annotation_id,annotator,email,created_at,timestamp,id,image,lead_time,text_cap_en,text_cap_native,"
    "text_culture_loc,text_image_loc,text_submitter_native_lang,updated_at,similarity_id"
)


def photo(seed: int) -> bytes:
    """A sharp, distinct JPEG: 8 x 8 random blocks plus noise (no two seeds alike to a perceptual hash)."""
    path = OUT / f"bulk-{SIZE[0]}x{SIZE[1]}-{seed}.jpg"
    if path.exists():
        return path.read_bytes()
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    width, height = SIZE
    blocks = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    base = np.kron(blocks, np.ones((height // 8 + 1, width // 8 + 1, 1), dtype=np.uint8))[:height, :width]
    noise = rng.integers(-30, 30, size=(height, width, 3))
    pixels = np.clip(base.astype(int) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def csv_bytes(count: int) -> bytes:
    import csv

    columns = HEADER.split(",")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for n in range(count):
        values = {
            "image": f"photo-{n:04d}.jpg",
            "text_cap_en": f"A market stall, photo {n}",
            "text_cap_native": f"Lapak pasar, foto {n}",
            "text_culture_loc": "Indonesia",
            "text_image_loc": "Jakarta, Indonesia",
            "text_submitter_native_lang": "Indonesian (ind)",
        }
        writer.writerow([values.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def zip_of(count: int) -> Path:
    """The ZIP of `count` photos and their CSV, built once (by the parent process) in bench/out/."""
    path = OUT / f"bulk-{count}.zip"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for n in range(count):
                archive.writestr(f"photos/photo-{n:04d}.jpg", photo(n))
            archive.writestr("bulk.csv", csv_bytes(count), compress_type=zipfile.ZIP_DEFLATED)
        partial.rename(path)
    return path


def child(count: int) -> None:
    """One import of `count` photos in this process; prints its figures as JSON on the last line."""
    database = BenchDatabase(f"{DB_NAME}_{count}")
    database.recreate()
    media = tempfile.mkdtemp(prefix="bench-bulk-media-")
    os.environ["MEDIA_ROOT"] = media
    database.setup_django()
    try:
        from django.contrib.auth import get_user_model
        from django.core.files import File
        from django.utils import timezone

        from accounts.models import Profile
        from campaign.models import Task
        from contributions import checks
        from contributions.bulk.processing import bulk_import_process
        from contributions.bulk.services import bulk_import_create
        from contributions.models import BulkImportRow, ImageSubmission

        # Migrated by another process: the migrations' own peak would hide the import's.
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py"), "migrate", "-v0"],
            check=True,
        )
        Task.objects.filter(number=1).update(status=Task.Status.OPEN, opens_at=None, closes_at=None)
        user = get_user_model().objects.create_user("bench-bulk", "bench-bulk@example.org", "x")
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "display_name": "Bench",
                "residence_country_id": "ID",
                "native_language_code": "ind",
                "native_language_name": "Indonesian",
                "accepted_terms_at": timezone.now(),
            },
        )
        zip_path = zip_of(count)
        zip_mb = zip_path.stat().st_size / 1e6
        baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        # The limit: the same photos' check alone (a sample; wall time, as the import is timed).
        with zipfile.ZipFile(zip_path) as archive:
            sample = [archive.read(f"photos/photo-{n:04d}.jpg") for n in range(min(CHECK_SAMPLE, count))]

        def check_alone() -> tuple[float, float]:
            """(wall, CPU) seconds of the check of one sample photo, on average."""
            checks.analyse_image(sample[0])
            started, cpu_started = time.perf_counter(), time.process_time()
            for data in sample:
                checks.analyse_image(data)
            return (time.perf_counter() - started) / len(sample), (time.process_time() - cpu_started) / len(
                sample
            )

        check_seconds, check_cpu_seconds = check_alone()

        from django.db import connection

        statements = []

        def counted(execute, sql, params, many, context):
            statements.append(sql.split(None, 1)[0].upper() if sql else "")
            return execute(sql, params, many, context)

        started = time.perf_counter()
        cpu_started = time.process_time()
        thread_cpu_started = time.thread_time()  # this (the importing) thread's own CPU
        with connection.execute_wrapper(counted), open(zip_path, "rb") as handle:
            bulk_import = bulk_import_create(
                contributor=user, archive=File(handle, name="bulk.zip"), license_confirmed=True, enqueue=False
            )
        accepted_at = time.perf_counter()
        statements.clear()
        with connection.execute_wrapper(counted):
            bulk_import_process(import_id=bulk_import.pk)
        done_at = time.perf_counter()
        cpu_seconds = time.process_time() - cpu_started
        thread_cpu_seconds = time.thread_time() - thread_cpu_started
        # Again after the import: on a shared machine the load moves, and the check's time with it.
        check_after_seconds, check_after_cpu_seconds = check_alone()
        rows = BulkImportRow.objects.filter(bulk_import=bulk_import)
        figures = {
            "count": count,
            "zip_mb": zip_mb,
            "check_ms": check_seconds * 1000,
            "check_after_ms": check_after_seconds * 1000,
            "check_cpu_ms": (check_cpu_seconds + check_after_cpu_seconds) / 2 * 1000,
            "accept_s": accepted_at - started,
            "total_s": done_at - started,
            "imported": rows.filter(status=BulkImportRow.Status.IMPORTED).count(),
            "refused": rows.exclude(status=BulkImportRow.Status.IMPORTED).count(),
            "checked": ImageSubmission.objects.exclude(status=ImageSubmission.Status.PENDING).count(),
            "baseline_mib": baseline_kib / 1024,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": os.getloadavg()[0],
            "cpu_s": cpu_seconds,
            "thread_cpu_s": thread_cpu_seconds,
            "statements_per_row": len(statements) / count,
        }
        refused = list(
            rows.exclude(status=BulkImportRow.Status.IMPORTED).values_list("reason_code", flat=True)[:5]
        )
        if refused:
            figures["refusals"] = refused
    finally:
        database.drop()
        import shutil

        shutil.rmtree(media, ignore_errors=True)
    print(json.dumps(figures))


def main() -> None:
    sizes = [max(10, PHOTOS // 4), PHOTOS]
    log(f"bulk import bench: ZIPs of {sizes[0]} and {sizes[1]} photos {SIZE[0]}x{SIZE[1]}, one process each")
    for count in sizes:
        zip_of(count)  # here, so that the children's peak memory is the import's alone
    results = []
    for count in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(count)], check=True, capture_output=True, text=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        log(f"{count} photos done")
    previous = None
    if PREVIOUS_ROOT:
        # The previous implementation: the same child, from another tree's code (its own bench file), on
        # the same cached photos and ZIP, right after this one.
        prev_out = Path(PREVIOUS_ROOT) / "bench" / "out"
        if prev_out.is_symlink() and prev_out.resolve() != OUT.resolve():
            prev_out.unlink()  # a link left by a run from another tree (maybe gone since)
        if not prev_out.exists():
            prev_out.symlink_to(OUT)
        out = subprocess.run(
            [sys.executable, str(Path(PREVIOUS_ROOT) / "bench" / "bulk_import.py"), "--child", str(PHOTOS)],
            check=True,
            capture_output=True,
            text=True,
            cwd=PREVIOUS_ROOT,
            env={**os.environ, "BENCH_DB_NAME": f"{DB_NAME}_previous", "PYTHONDONTWRITEBYTECODE": "1"},
        )
        previous = json.loads(out.stdout.strip().splitlines()[-1])
        log(f"{PHOTOS} photos done with the previous implementation ({PREVIOUS_ROOT})")
    print(
        f"\nBulk import of a ZIP of photos {SIZE[0]}x{SIZE[1]} (image checks in-process, PostgreSQL on loopback)"
    )
    for r in results:
        limit = r["count"] * r["check_ms"] / 1000
        ratio = r["total_s"] / limit
        print(
            f"  {r['count']:5d} photos, ZIP {r['zip_mb']:6.0f} MB: accepted (checked whole, stored) in "
            f"{r['accept_s']:5.1f} s; all rows submitted and checked in {r['total_s']:6.1f} s = "
            f"{r['count'] / r['total_s']:5.1f} rows/s; {r['imported']} imported, {r['refused']} refused, {r['checked']} checked"
            f"{' ' + str(r.get('refusals')) if r.get('refusals') else ''}"
        )
        print(
            f"        the limit: N x the check alone ({r['check_ms']:.1f} ms a photo) = {limit:6.1f} s; "
            f"x{ratio:.2f}   target <= x1.3   {'met' if ratio <= 1.3 else 'NOT met'}   "
            f"(load average {r['load']:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"        this process's CPU for the import {r['cpu_s']:.1f} s = x{r['cpu_s'] / limit:.2f} the limit; "
            f"{r['statements_per_row']:.1f} SQL statements a row"
        )
        if "check_cpu_ms" in r:
            cpu_limit = r["count"] * r["check_cpu_ms"] / 1000
            print(
                f"        the check alone again after the import: {r['check_after_ms']:.1f} ms a photo "
                f"(x{r['total_s'] / (r['count'] * r['check_after_ms'] / 1000):.2f} on that); CPU against CPU: "
                f"N x the check's CPU ({r['check_cpu_ms']:.1f} ms) = {cpu_limit:.1f} s, the import's "
                f"x{r['cpu_s'] / cpu_limit:.2f}"
            )
            print(
                f"        of which the importing thread's own CPU {r['thread_cpu_s']:.1f} s = "
                f"x{r['thread_cpu_s'] / cpu_limit:.2f} (the rest ran in a thread beside it: on free cores the "
                f"import's wall time tends to the larger of the two)"
            )
    if previous is not None:
        limit = previous["count"] * previous["check_ms"] / 1000
        print(
            f"  previous implementation, {previous['count']} photos: {previous['total_s']:6.1f} s = "
            f"{previous['count'] / previous['total_s']:5.1f} rows/s; its limit {limit:6.1f} s "
            f"({previous['check_ms']:.1f} ms a photo); x{previous['total_s'] / limit:.2f}; peak "
            f"{previous['peak_mib']:.0f} MiB (load average {previous['load']:.1f})"
        )
        if "check_cpu_ms" in previous:
            print(
                f"        its check alone after it {previous['check_after_ms']:.1f} ms a photo; its CPU x"
                f"{previous['cpu_s'] / (previous['count'] * previous['check_cpu_ms'] / 1000):.2f} N x the "
                f"check's CPU ({previous['check_cpu_ms']:.1f} ms); "
                f"{previous['statements_per_row']:.1f} SQL statements a row"
            )
    small, large = results
    growth = large["peak_mib"] - small["peak_mib"]
    bound = 0.10 * small["peak_mib"] + 30
    print(
        f"  peak memory (RSS): {small['peak_mib']:.0f} MiB for {small['zip_mb']:.0f} MB of ZIP, "
        f"{large['peak_mib']:.0f} MiB for {large['zip_mb']:.0f} MB (process before the import "
        f"{small['baseline_mib']:.0f} / {large['baseline_mib']:.0f} MiB): grows by {growth:.0f} MiB for "
        f"{large['zip_mb'] - small['zip_mb']:.0f} MB more ZIP; target within {bound:.0f} MiB: "
        f"{'met' if growth <= bound else 'NOT met'}"
    )
    print(
        f"  checks per photo stayed the same: {statistics.mean(r['check_ms'] for r in results):.1f} ms mean"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
