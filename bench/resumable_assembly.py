"""Resumable uploads, the server's side: what assembling a 10 MB photo from its 256 KiB parts costs in
the finalize request, and how many bytes a cut link sends twice with small parts.

1. Assembly (`contributions.storage.assemble`, what finalize runs): the 40 parts of a 10 MB file,
   stored as objects of their own, concatenated in order into one object, with its sha256 computed on
   the way. On S3 (a moto server on loopback, started here: no network) it is a multipart upload of
   8 MiB parts; on local disk a file written beside its place and moved. Beside it, the naive
   baseline: every part read into memory, joined, and put in one request; and what the presigned
   POST's finalize already does for a whole file (its sha256 read back from storage), so the figure
   that matters, the time assembly adds to finalize, reads as the difference. The limit: the finalize
   request must stay far inside gunicorn's timeout (60 s); we hold it to 5 s. Memory: the peak of
   Python allocations (tracemalloc) during each, beside the file's size.
2. The link (a model, not a browser: the browser helper's bench measures that in chromium): a file
   sent at 50 KB/s whose link is cut every 60 s, resumed from the last acknowledged part after each
   cut. The figure is the share of bytes sent twice for 256 KiB parts, 5 MiB parts (S3's multipart
   minimum) and one whole POST; the limit is the issue's 10 %.

Runs in about 30 s; loopback only; the moto server it starts is stopped at the end.
"""

import hashlib
import os
import socket
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = 10 * 1000 * 1000
CHUNK = 256 * 1024
LIMIT_SECONDS = 5.0
LINK_BYTES_PER_SECOND = 50_000
CUT_EVERY_SECONDS = 60.0
RUNS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(function) -> tuple[float, int, object]:
    """(best seconds of RUNS, peak traced bytes of the last run, its result)."""
    best = float("inf")
    result = None
    peak = 0
    for _ in range(RUNS):
        tracemalloc.start()
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return best, peak, result


def assembly_figures(label: str) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from contributions import storage

    data = os.urandom(SIZE)  # a photo's bytes do not compress either
    prefix = f"uploads/{uuid.uuid4()}/"
    parts = []
    for number, start in enumerate(range(0, SIZE, CHUNK), start=1):
        name = default_storage.save(f"{prefix}{number:05d}", ContentFile(data[start : start + CHUNK]))
        parts.append(name)
    target = f"images/original/{uuid.uuid4()}"
    naive_target = f"images/original/{uuid.uuid4()}"
    expected = hashlib.sha256(data).hexdigest()
    del data

    seconds, peak, digest = measure(lambda: storage.assemble(target, parts, content_type="image/jpeg"))
    assert digest == expected and storage.size_of(target) == SIZE and storage.sha256_of(target) == expected

    def naive() -> None:
        whole = b"".join(storage.read_all(part) for part in parts)
        default_storage.delete(naive_target)
        default_storage.save(naive_target, ContentFile(whole))

    naive_seconds, naive_peak, _ = measure(naive)
    sha_seconds, _sha_peak, _ = measure(lambda: storage.sha256_of(target))
    storage.delete_under(prefix)
    storage.delete_quietly(target, naive_target)
    verdict = "within" if seconds <= LIMIT_SECONDS else "OVER"
    print(
        f"{label}: assembling {SIZE / 1e6:.0f} MB from {len(parts)} parts of {CHUNK // 1024} KiB: "
        f"{seconds:.2f} s, peak {peak / 2**20:.1f} MiB traced | naive (all in memory, one put): "
        f"{naive_seconds:.2f} s, peak {naive_peak / 2**20:.1f} MiB | the presigned POST's finalize reads the "
        f"whole file once for its sha256: {sha_seconds:.2f} s, which assembly replaces (it hashes on the way), "
        f"so finalize grows by ~{max(seconds - sha_seconds, 0):.2f} s | limit {LIMIT_SECONDS:.0f} s: {verdict}"
    )


def resent_share(part_bytes: int) -> float | None:
    """Bytes sent twice / file size, for parts of `part_bytes` on the cut link; None if never done."""
    acknowledged = 0
    sent = 0
    clock = 0.0
    while acknowledged < SIZE:
        part = min(part_bytes, SIZE - acknowledged)
        duration = part / LINK_BYTES_PER_SECOND
        to_cut = CUT_EVERY_SECONDS - (clock % CUT_EVERY_SECONDS)
        if duration <= to_cut:
            clock += duration
            sent += part
            acknowledged += part
        else:
            if part * 1.0 / LINK_BYTES_PER_SECOND > CUT_EVERY_SECONDS:
                return None  # longer than the link ever stays up: it never completes
            clock += to_cut  # the part in flight is lost at the cut and sent again
            sent += int(to_cut * LINK_BYTES_PER_SECOND)
    return (sent - SIZE) / SIZE


def main() -> None:
    import subprocess

    port = free_port()
    # moto in a process of its own: its work (storing what it receives) is not counted as ours.
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    bucket = f"bench-resumable-{os.getpid()}"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "seavl_portal.settings",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "bench-access-key",
            "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
            "AWS_S3_REGION_NAME": "us-east-1",
        }
    )
    os.environ.pop("DATABASE_URL", None)  # no database: storage only
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage

    default_storage.connection.meta.client.create_bucket(Bucket=bucket)
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    try:
        assembly_figures("S3 (moto on loopback)")
        import tempfile

        from django.test.utils import override_settings

        with tempfile.TemporaryDirectory() as media:
            local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}
            with override_settings(STORAGES={**settings.STORAGES, "default": local}):
                assembly_figures("local disk")
    finally:
        server.terminate()
        server.wait(timeout=30)
    for label, part in (("256 KiB parts", CHUNK), ("5 MiB parts", 5 * 2**20), ("one whole POST", SIZE)):
        share = resent_share(part)
        shown = "never completes" if share is None else f"{share * 100:.1f} % of the bytes sent twice"
        print(
            f"link model, {SIZE / 1e6:.0f} MB at {LINK_BYTES_PER_SECOND // 1000} KB/s cut every "
            f"{CUT_EVERY_SECONDS:.0f} s, {label}: {shown} (limit 10 %)"
        )
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
