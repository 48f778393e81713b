"""The embedded default under a small crowd: do 4 annotators rating and 2 contributors uploading at once
ever get "database is locked"?

`make run`'s settings (SQLite file, media on local disk, checks in-process, DEBUG=1) served by a real
`manage.py runserver` process (threaded, as `make run` starts it) on a free loopback port, each run on
its own fresh database in a temporary folder, twice:

1. portal: the settings as they are (WAL journal, a 20 s busy timeout, `"transaction_mode": "IMMEDIATE"`);
2. naive baseline: the same with SQLite's Django defaults (rollback journal, 5 s timeout, deferred
   transactions), through a settings module that empties `DATABASES["default"]["OPTIONS"]`.

Each run makes 4 qualified annotators and 2 contributors (with API tokens), seeds images through the
API, then for `--seconds` (default 30) the 4 annotators ask for an item and rate it in a loop while the
2 contributors upload new photos (each upload is checked in the request: decode, derivatives, hashes).
It prints, per call, the count, errors (any answer that is not 2xx; target 0) and the p50/p95 latency.
"""

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANNOTATORS, UPLOADERS = 4, 2

SETUP = """
import json, os, django
django.setup()
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from accounts.roles import ANNOTATOR
from accounts.services import api_token_create, profile_update, user_grant_role, user_join_contributors
from campaign.models import Country
from review.models import AnnotatorQualification
tokens = {"annotators": [], "uploaders": []}
for kind, count in (("annotators", %(annotators)d), ("uploaders", %(uploaders)d)):
    for n in range(count):
        email = f"{kind}{n}@bench.local"
        user = get_user_model().objects.create_user(username=f"{kind}{n}", email=email, password="bench-pass-42")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user_join_contributors(user=user)
        profile_update(user=user, display_name=f"{kind} {n}", use_pseudonym=False, pseudonym="",
                       residence_country=Country.objects.get(code="ID"), native_language="Indonesian (ind)",
                       accept_terms=True)
        if kind == "annotators":
            user_grant_role(user=user, role=ANNOTATOR)
            AnnotatorQualification.objects.create(user=user, country=Country.objects.get(code="ID"))
        tokens[kind].append(api_token_create(user=user, name="bench")[1])
print("TOKENS=" + json.dumps(tokens))
"""

PLAIN_SQLITE_SETTINGS = """from seavl_portal.settings import *  # noqa: F403

DATABASES["default"]["OPTIONS"] = {}  # noqa: F405 - SQLite's Django defaults
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def photo(seed: int) -> bytes:
    """A distinct photo-like JPEG (its own coarse pattern, so no two are near duplicates)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).resize(
        (800, 600), Image.BICUBIC
    )
    pixels = np.clip(np.asarray(coarse, dtype=np.float32) + rng.normal(0, 18, (600, 800, 3)), 0, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def multipart(fields: dict, image: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + image
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, base: str, token: str, stats: dict, lock: threading.Lock):
        self.base, self.token, self.stats, self.lock = base, token, stats, lock

    def call(self, name: str, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        request = urllib.request.Request(self.base + path, data=body, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        started = time.perf_counter()
        status, payload = 0, None
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except OSError:
            status = -1
        elapsed = time.perf_counter() - started
        with self.lock:
            entry = self.stats.setdefault(name, {"times": [], "errors": 0, "statuses": {}})
            entry["times"].append(elapsed)
            if not 200 <= status < 300:
                entry["errors"] += 1
                entry["statuses"][status] = entry["statuses"].get(status, 0) + 1
        return status, payload


UPLOAD_FIELDS = {
    "description": "Market stall with tropical fruit in the morning",
    "native_description": "Kios pasar dengan buah tropis di pagi hari",
    "native_language": "Indonesian (ind)",
    "countries": "ID",
    "license_confirmed": "true",
}


def upload(client: Client, seed: int, name: str = "upload"):
    body, content_type = multipart(UPLOAD_FIELDS, photo(seed))
    return client.call(name, "POST", "/api/v1/images", body, content_type)


def annotate(client: Client, stop: threading.Event, seed: int):
    counter = 0
    while not stop.is_set():
        status, payload = client.call("review next", "GET", "/api/v1/review/next")
        item = json.loads(payload).get("item") if status == 200 and payload else None
        if item is None:
            time.sleep(0.2)  # nothing to rate yet: the uploaders are adding images
            continue
        counter += 1
        rating = {"relevance": 3 + (seed + counter) % 3, "caption_fit": True, "quality_ok": True}
        client.call(
            "rate",
            "POST",
            f"/api/v1/review/items/{item['id']}/ratings",
            json.dumps(rating).encode(),
            "application/json",
        )


def contribute(client: Client, stop: threading.Event, first_seed: int):
    seed = first_seed
    while not stop.is_set():
        upload(client, seed)
        seed += UPLOADERS


def run(label: str, *, plain: bool, seconds: int, seeded: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="seavl-bench-sqlite-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE", "REDIS", "AWS_", "CELERY", "TEST_", "MEDIA"))
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        REVIEW_MIN_SECONDS_PER_ITEM="0",
        REVIEW_GOLD_RATE="0",
        IMAGE_API_UPLOAD_RATE="100000/m",
        PYTHONPATH=os.pathsep.join([str(workdir), str(ROOT)]),
        DJANGO_SETTINGS_MODULE="seavl_portal.settings",
    )
    if plain:
        (workdir / "bench_plain_sqlite.py").write_text(PLAIN_SQLITE_SETTINGS)
        env["DJANGO_SETTINGS_MODULE"] = "bench_plain_sqlite"
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    setup = subprocess.run(
        [python, "-c", SETUP % {"annotators": ANNOTATORS, "uploaders": UPLOADERS}],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    tokens = json.loads(setup.stdout.split("TOKENS=", 1)[1])
    port = free_port()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        seed_stats, lock = {}, threading.Lock()
        seeder = Client(base, tokens["uploaders"][0], seed_stats, lock)
        for n in range(seeded):
            upload(seeder, 10_000 + n, name="seed upload")
        stats: dict = {}
        stop = threading.Event()
        threads = [
            threading.Thread(target=annotate, args=(Client(base, token, stats, lock), stop, n))
            for n, token in enumerate(tokens["annotators"])
        ] + [
            threading.Thread(target=contribute, args=(Client(base, token, stats, lock), stop, n))
            for n, token in enumerate(tokens["uploaders"])
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        stats["seed upload"] = seed_stats.get("seed upload", {"times": [], "errors": 0, "statuses": {}})
        return stats
    finally:
        server.terminate()
        server.wait(timeout=30)


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(label: str, stats: dict) -> None:
    print(f"\n{label}")
    print(f"  {'call':<12} {'count':>6} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}  statuses of errors")
    for name in ("seed upload", "upload", "review next", "rate"):
        entry = stats.get(name, {"times": [], "errors": 0, "statuses": {}})
        times = entry["times"]
        print(
            f"  {name:<12} {len(times):>6} {entry['errors']:>7} {p(times, 50) * 1000:>8.0f} {p(times, 95) * 1000:>8.0f}"
            f"  {entry['statuses'] or ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--seed-images", type=int, default=12)
    args = parser.parse_args()
    print(
        f"{ANNOTATORS} annotators rating and {UPLOADERS} contributors uploading for {args.seconds} s, SQLite"
    )
    portal = run("portal", plain=False, seconds=args.seconds, seeded=args.seed_images)
    report("portal settings (WAL, busy timeout 20 s, IMMEDIATE transactions)", portal)
    naive = run("naive", plain=True, seconds=args.seconds, seeded=args.seed_images)
    report("naive baseline (SQLite's Django defaults)", naive)
    errors = sum(entry["errors"] for entry in portal.values())
    print(f"\nportal errors: {errors} (target 0)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
