"""Load, measured: the most concurrent users one node of the production-like stack holds with every page's
p95 under 500 ms and no errors, with the campaign's mix (bench/locustfile.py).

Starts the same stack as tests/stack/ (tests/stack/stack.py: gunicorn with DEBUG=0 and the manifest,
a Celery worker and beat, its own PostgreSQL database, a Redis prefix, moto's S3 server), seeds accounts
(contributors and annotators qualified for Thailand) and photos in review, then runs Locust headless at
growing numbers of users (`--steps`, each for `--seconds`), printing each step's figures per endpoint,
and stops at the first step that misses the target. Everything runs on this machine: Locust's own CPU,
moto and PostgreSQL share the cores with the portal, so the figure is a floor for a dedicated node.

    .venv/bin/python bench/load_stack.py [--steps 20,40,80,120,160] [--seconds 40] [--web-workers 5]

The sign-in POST is reported but not held to 500 ms: it is PBKDF2 on purpose (Django's 1,000,000
iterations) and happens once per visit. "S3 presigned POST" is the bucket's time (moto), not the portal's.
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stack.stack import DEFAULT_PASSWORD, Stack  # noqa: E402

TARGET_P95_MS = 500
NOT_HELD = {"/accounts/login/ (POST)", "S3 presigned POST", "Aggregated"}

SEED = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from accounts.roles import ANNOTATOR
from accounts.services import api_token_create, profile_update, user_grant_role, user_join_contributors
from campaign.models import Country
from review.models import AnnotatorQualification
hashed = make_password(%(password)r)  # once: every seeded account shares the same password
thailand = Country.objects.get(code="TH")
accounts = {"contributors": [], "annotators": []}
for kind, count in (("contributors", %(contributors)d), ("annotators", %(annotators)d)):
    for n in range(count):
        email = f"load-{kind[:-1]}-{n}@example.org"
        user = get_user_model().objects.create(username=email.split("@")[0], email=email, password=hashed)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user_join_contributors(user=user)
        if kind == "annotators":
            user_grant_role(user=user, role=ANNOTATOR)
            AnnotatorQualification.objects.create(user=user, country=thailand)
        profile_update(user=user, display_name=f"Load {kind[:-1]} {n}", use_pseudonym=False, pseudonym="",
                       residence_country=thailand, native_language="Thai (tha)", accept_terms=True)
        accounts[kind].append(email)
_token, secret = api_token_create(user=get_user_model().objects.get(email=accounts["contributors"][0]), name="seed")
accounts["token"] = secret
print("RESULT=" + json.dumps(accounts))
"""


def photo(seed: int) -> bytes:
    """A photo-like JPEG (noise over a gradient), different for each seed (Locust's file makes its own:
    importing it here would monkey-patch this process with gevent)."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, 640, dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (520, 640, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def seed_photos(stack: Stack, token: str, count: int) -> None:
    """`count` photos through the API (4 at a time), then wait until the worker has checked them all."""
    import requests

    def upload(numbers):
        for number in numbers:
            response = requests.post(
                f"{stack.url}/api/v1/images",
                headers={"Authorization": f"Bearer {token}"},
                files={"image": ("photo.jpg", photo(10_000 + number), "image/jpeg")},
                data={
                    "description": "A temple fair at night",
                    "native_description": "งานวัดยามค่ำคืน",
                    "native_language": "Thai (tha)",
                    "countries": "TH",
                    "license_confirmed": "true",
                },
                timeout=60,
            )
            response.raise_for_status()

    threads = [threading.Thread(target=upload, args=(range(i, count, 4),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 300
    while stack.scalar("SELECT count(*) FROM contributions_imagesubmission WHERE status = 'pending'"):
        if time.monotonic() > deadline:
            raise TimeoutError("the seeded photos were not checked")
        time.sleep(1)


def cpu_seconds(process) -> float:
    """CPU time (user + system) used so far by a stack process's whole group (gunicorn's or Celery's
    children included), from /proc: the portal's own cost, whatever else the machine runs."""
    group, total = process.popen.pid, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def run_step(stack: Stack, users: int, seconds: int, accounts_file: Path, out: Path) -> list[dict]:
    prefix = out / f"step-{users}"
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "--host", stack.url, "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{seconds}s",
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_ACCOUNTS": str(accounts_file), "LOAD_PASSWORD": DEFAULT_PASSWORD},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=(out / f"step-{users}.log").open("w"),
        timeout=seconds + 120,
    )
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
        return list(csv.DictReader(handle))


def summarize(users: int, rows: list[dict]) -> tuple[bool, str]:
    lines = [f"\n== {users} concurrent users", f"{'endpoint':42} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>6}"]
    held_ok = True
    for row in rows:
        name = f"{row['Type']} {row['Name']}" if row["Name"] != "Aggregated" else "Aggregated"
        p95 = float(row["95%"] or 0)
        failures = int(row["Failure Count"])
        held = row["Name"] not in NOT_HELD
        if failures or (held and p95 >= TARGET_P95_MS):
            held_ok = False
        lines.append(
            f"{name[:42]:42} {row['Request Count']:>6} {failures:>5} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6} {float(row['Requests/s']):>6.1f}{'' if held else '  (not held)'}"
        )
    verdict = "holds" if held_ok else "misses the target"
    lines.append(f"-> {users} users: {verdict} (pages' p95 < {TARGET_P95_MS} ms, 0 errors)")
    return held_ok, "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="20,40,80,120,160,200")
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--web-workers", type=int, default=5, help="gunicorn workers (2 per core + 1)")
    parser.add_argument("--contributors", type=int, default=80)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--keep-going", action="store_true", help="run every step, even past a miss")
    args = parser.parse_args()

    # Stopped from outside (Ctrl-C, timeout's SIGTERM): the stack is still taken down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    stack = Stack(web_workers=args.web_workers, workers=1, worker_concurrency=2)
    stack.start()
    try:
        print(f"stack up in {time.monotonic() - started:.0f} s: {stack.url} (gunicorn {args.web_workers} workers)")
        accounts = stack.python(SEED % {"password": DEFAULT_PASSWORD, "contributors": args.contributors, "annotators": args.annotators})
        seed_photos(stack, accounts.pop("token"), args.photos)
        accounts_file = stack.dir / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        print(f"seeded {args.contributors} contributors, {args.annotators} annotators, {args.photos} photos in review")
        held, costs = 0, []
        for users in [int(value) for value in args.steps.split(",")]:
            load = os.getloadavg()[0]
            web_before, work_before = cpu_seconds(stack.web[0]), cpu_seconds(stack.workers[0])
            rows = run_step(stack, users, args.seconds, accounts_file, stack.dir)
            web_cpu = cpu_seconds(stack.web[0]) - web_before
            work_cpu = cpu_seconds(stack.workers[0]) - work_before
            ok, text = summarize(users, rows)
            portal = sum(int(row["Request Count"]) for row in rows if row["Name"] not in NOT_HELD | {"Aggregated"})
            logins = sum(int(row["Request Count"]) for row in rows if row["Name"] == "/accounts/login/ (POST)")
            uploads = sum(int(row["Request Count"]) for row in rows if row["Name"] == "/images/uploads/finalize/")
            costs.append((users, portal + logins, web_cpu, uploads, work_cpu))
            print(
                text + f"   [load average before the step: {load:.1f}]\n"
                f"   portal CPU: {web_cpu:.1f} s for {portal + logins} requests "
                f"({1000 * web_cpu / max(1, portal + logins):.0f} ms each, {logins} sign-ins among them); "
                f"worker CPU: {work_cpu:.1f} s for {uploads} uploads",
                flush=True,
            )
            if not ok and not args.keep_going:
                break
            if ok:
                held = users
        checked = stack.sql("SELECT status, count(*) FROM contributions_imagesubmission GROUP BY status ORDER BY 1")
        print(f"\nmost concurrent users held: {held} (steps of {args.seconds} s, mix 3 contributors : 2 annotators : 5 visitors)")
        print(f"submissions by status at the end: {dict(checked)}")
        requests_done = sum(cost[1] for cost in costs)
        web_cpu = sum(cost[2] for cost in costs)
        user_seconds = sum(cost[0] * args.seconds for cost in costs)
        if requests_done:
            per_request = web_cpu / requests_done
            per_user = requests_done / user_seconds
            print(
                f"portal CPU per request (sign-ins included): {1000 * per_request:.0f} ms; "
                f"{per_user:.2f} requests/s per simulated user; at 70 % of 2 dedicated cores a node serves "
                f"about {1.4 / per_request:.0f} requests/s, i.e. {1.4 / per_request / per_user:.0f} such users"
            )
        tracebacks = sum(process.text().count("Traceback") for process in [*stack.web, *stack.workers])
        print(f"tracebacks in the stack's logs: {tracebacks}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
