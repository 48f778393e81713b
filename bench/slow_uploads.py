"""Slow links: do other pages still answer quickly while 50 phones upload photos at 50 KB/s?

Starts the portal with gunicorn (2 sync workers) on a free loopback port, against its own database
(`bench_slow_uploads_<pid>` on the local PostgreSQL, dropped at the end), twice:

1. direct to storage: the path the upload page takes when files go to S3 (a ticket from the portal,
   then a presigned POST straight to the bucket), with S3 served by a moto server on loopback;
2. naive baseline: the same page path with the embedded default's storage, where the file goes through
   the portal's own upload endpoint, i.e. through a sync gunicorn web worker (what happens without
   direct-to-storage uploads or a buffering proxy).

In each, 50 clients each start pushing a 5 MB photo at 50 KB/s (raw sockets, a chunk every 100 ms),
and a prober asks for `/` and `/faq/` every 100 ms (a fresh connection each, 10 s timeout). The figures
are the probes' p50/p95/max latency while the uploads run. At 50 KB/s a 5 MB upload takes 100 s; the
run keeps the uploads going for `--window` seconds (default 40: 2 MB of each 5 MB are sent, the
measured steady state is the same) and then cuts them, so the whole script stops by itself in about
2 minutes. `--window 105` lets every upload finish. Loopback addresses only.

`--bulk` does the same for the bulk import page's ZIPs (300 MB each unless `--size` says otherwise):
direct is its presigned POST of the archive to the bucket, naive the page's plain multipart form to
`/images/bulk/`, what the page sends without JavaScript or on local disk.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST = "127.0.0.1"
PROBE_TIMEOUT = 10.0
S3_KEY, S3_SECRET, S3_REGION = "bench-access-key", "bench-secret-key", "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str = "/faq/", limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answers on {HOST}:{port}{path}")


# --- the bench database and a signed-in contributor -------------------------------------------------


def database_urls() -> tuple[str, str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/seavl_portal")
    parts = urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("The bench only uses a PostgreSQL on loopback.")
    name = f"bench_slow_uploads_{os.getpid()}"
    admin = parts._replace(path="/postgres").geturl()
    return admin, parts._replace(path=f"/{name}").geturl(), name


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_portal(env: dict) -> dict:
    """Migrate, create a contributor with a complete profile, and a session + CSRF cookie for them."""
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = r"""
import json, secrets
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.services import profile_update, user_join_contributors
from campaign.models import Country
user = get_user_model().objects.create_user(username="bench", email="bench@example.org", password=secrets.token_hex(16))
user_join_contributors(user=user)
profile_update(user=user, display_name="Bench", use_pseudonym=False, pseudonym="",
               residence_country=Country.objects.get(code="ID"), native_language="Indonesian (ind)", accept_terms=True)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(json.dumps({"session": session.session_key}))
"""
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cookies = json.loads(out.strip().splitlines()[-1])
    cookies["csrf"] = secrets.token_hex(16)  # 32 characters: a valid CSRF secret
    return cookies


# --- processes --------------------------------------------------------------------------------------


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "seavl_portal.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "150",
            "--graceful-timeout",
            "2",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(port)
    return process


def start_moto(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", HOST, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(port, path="/")
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# --- clients ----------------------------------------------------------------------------------------


def ticket(port: int, cookies: dict, *, bulk: bool = False, s3: bool = True) -> dict:
    """What the upload page asks first: where to send the file, and with which form fields.

    The bulk page on local disk has no presign step: its form goes to the portal with the ZIP."""
    if bulk and not s3:
        return {"url": "/images/bulk/", "fields": {"license_confirmed": "on"}, "file_field": "archive"}
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request(
        "POST",
        "/images/bulk/presign/" if bulk else "/images/uploads/ticket/",
        body=b"",
        headers={
            "Cookie": f"sessionid={cookies['session']}; csrftoken={cookies['csrf']}",
            "X-CSRFToken": cookies["csrf"],
            "Content-Length": "0",
        },
    )
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"ticket: {response.status} {body[:200]!r}")
    return json.loads(body)


class SlowUpload(threading.Thread):
    """One phone: a multipart POST whose file part is written at `rate` bytes/s, a chunk every 100 ms."""

    def __init__(
        self,
        *,
        url: str,
        fields: dict,
        headers: dict,
        size: int,
        rate: int,
        stop_at: float,
        file_field: str = "file",
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
    ):
        super().__init__(daemon=True)
        self.url, self.fields, self.headers = url, fields, headers
        self.file_field, self.filename, self.content_type = file_field, filename, content_type
        self.size, self.rate, self.stop_at = size, rate, stop_at
        self.sent = 0
        self.status = None
        self.error = ""

    def run(self) -> None:
        parts = urlsplit(self.url)
        boundary = uuid.uuid4().hex
        preamble = b""
        for name, value in self.fields.items():
            preamble += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            ).encode()
        preamble += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{self.file_field}"; '
            f'filename="{self.filename}"\r\nContent-Type: {self.content_type}\r\n\r\n'
        ).encode()
        epilogue = f"\r\n--{boundary}--\r\n".encode()
        head = [
            f"POST {parts.path or '/'} HTTP/1.1",
            f"Host: {parts.netloc}",
            f"Content-Type: multipart/form-data; boundary={boundary}",
            f"Content-Length: {len(preamble) + self.size + len(epilogue)}",
            "Connection: close",
            *[f"{key}: {value}" for key, value in self.headers.items()],
        ]
        chunk = b"\xa5" * (self.rate // 10)
        try:
            sock = socket.create_connection((parts.hostname, parts.port), timeout=PROBE_TIMEOUT * 2)
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + preamble)
            tick = time.monotonic()
            while self.sent < self.size and time.monotonic() < self.stop_at:
                piece = chunk[: self.size - self.sent]
                # A server that stopped reading must not keep this client past the window.
                sock.settimeout(max(1.0, self.stop_at - time.monotonic() + 1.0))
                sock.sendall(piece)
                self.sent += len(piece)
                tick += 0.1
                time.sleep(max(0.0, tick - time.monotonic()))
            if self.sent >= self.size:
                sock.settimeout(PROBE_TIMEOUT)
                sock.sendall(epilogue)
                reply = sock.recv(64)
                self.status = int(reply.split()[1]) if reply.startswith(b"HTTP/") else None
            sock.close()
        except OSError as error:
            self.error = type(error).__name__


class Prober(threading.Thread):
    """Asks for `/` and `/faq/` in turn every 100 ms (each probe in its own thread, fresh connection)."""

    def __init__(self, port: int, duration: float):
        super().__init__(daemon=True)
        self.port, self.duration = port, duration
        self.latencies: list[float] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.pending: list[threading.Thread] = []

    def probe(self, path: str) -> None:
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=PROBE_TIMEOUT)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            ok = False
        elapsed = time.perf_counter() - started
        with self.lock:
            if ok:
                self.latencies.append(elapsed)
            else:
                self.failures += 1
                self.latencies.append(max(elapsed, PROBE_TIMEOUT))

    def run(self) -> None:
        end = time.monotonic() + self.duration
        tick, turn = time.monotonic(), 0
        while time.monotonic() < end:
            thread = threading.Thread(target=self.probe, args=(("/", "/faq/")[turn % 2],), daemon=True)
            thread.start()
            self.pending.append(thread)
            turn += 1
            tick += 0.1
            time.sleep(max(0.0, tick - time.monotonic()))
        for thread in self.pending:
            thread.join(PROBE_TIMEOUT + 1)

    def figures(self) -> dict:
        values = sorted(self.latencies)
        if not values:
            return {"n": 0}
        return {
            "n": len(values),
            "p50": statistics.median(values) * 1000,
            "p95": values[min(len(values) - 1, int(0.95 * len(values)))] * 1000,
            "max": values[-1] * 1000,
            "failed": self.failures,
        }


def scenario(name: str, env: dict, cookies: dict, args, *, s3: bool) -> dict:
    port = free_port()
    server = start_gunicorn(env, port)
    content_type = "application/zip" if args.bulk else "image/jpeg"
    try:
        idle = Prober(port, 3.0)
        idle.start()
        idle.join()
        tickets = [ticket(port, cookies, bulk=args.bulk, s3=s3) for _ in range(args.clients)]
        stop_at = time.monotonic() + args.window
        uploads = []
        for item in tickets:
            url = item["url"] if item["url"].startswith("http") else f"http://{HOST}:{port}{item['url']}"
            fields = dict(item["fields"])
            headers = {}
            if s3:  # the policy's fields and the Content-Type the page adds
                fields["Content-Type"] = content_type
            else:  # the portal's own endpoint or form: the page's session and CSRF header
                headers = {
                    "Cookie": f"sessionid={cookies['session']}; csrftoken={cookies['csrf']}",
                    "X-CSRFToken": cookies["csrf"],
                }
            upload = SlowUpload(
                url=url,
                fields=fields,
                headers=headers,
                size=args.size,
                rate=args.rate,
                stop_at=stop_at,
                file_field=item.get("file_field", "file"),
                filename="photos.zip" if args.bulk else "photo.jpg",
                content_type=content_type,
            )
            upload.start()
            uploads.append(upload)
        time.sleep(2.0)  # every upload is under way before measuring
        busy = Prober(port, max(1.0, args.window - 3.0))
        busy.start()
        busy.join()
        for upload in uploads:
            upload.join(PROBE_TIMEOUT * 3)
        sent = sum(u.sent for u in uploads)
        return {
            "name": name,
            "upload_to": urlsplit(tickets[0]["url"]).netloc or f"{HOST}:{port} (the portal)",
            "idle": idle.figures(),
            "busy": busy.figures(),
            "sent_mb": sent / 1e6,
            "rate_kbs": sent / len(uploads) / args.window / 1000,
            "completed": sum(1 for u in uploads if u.status is not None),
            "statuses": sorted({u.status for u in uploads if u.status is not None}),
            "errors": sorted({u.error for u in uploads if u.error}),
        }
    finally:
        stop(server)


def show(result: dict) -> str:
    busy, idle = result["busy"], result["idle"]
    return (
        f"{result['name']:<34} idle p50 {idle['p50']:7.1f} ms | under load: p50 {busy['p50']:8.1f} ms  "
        f"p95 {busy['p95']:8.1f} ms  max {busy['max']:8.1f} ms  ({busy['n']} probes, {busy['failed']} failed "
        f"or timed out at {PROBE_TIMEOUT:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--size", type=int, default=0, help="bytes per file (5 MB photos, 300 MB ZIPs)")
    parser.add_argument("--rate", type=int, default=50 * 1024, help="bytes per second per client")
    parser.add_argument("--window", type=float, default=40.0, help="seconds the uploads run")
    parser.add_argument("--bulk", action="store_true", help="the bulk page's ZIPs instead of photos")
    args = parser.parse_args()
    args.size = args.size or (300 if args.bulk else 5) * 1024 * 1024
    began = time.monotonic()

    admin_url, db_url, db_name = database_urls()
    media = tempfile.mkdtemp(prefix="bench-slow-uploads-")
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATABASE_URL", "REDIS_URL"))},
        "DJANGO_SETTINGS_MODULE": "seavl_portal.settings",
        "DATABASE_URL": db_url,
        "DEBUG": "1",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "MEDIA_ROOT": media,
        "CONN_MAX_AGE": "0",
    }
    moto = None
    create_database(admin_url, db_name)
    try:
        cookies = prepare_portal(base_env)
        moto_port = free_port()
        moto = start_moto(moto_port)
        endpoint = f"http://{HOST}:{moto_port}"
        import boto3

        bucket = "seavl-bench"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name=S3_REGION,
        ).create_bucket(Bucket=bucket)
        s3_env = {
            **base_env,
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": S3_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "AWS_S3_REGION_NAME": S3_REGION,
        }
        print(
            f"{'bulk ZIPs: ' if args.bulk else ''}{args.clients} clients x {args.size / 1e6:.1f} MB at {args.rate / 1024:.0f} KB/s for {args.window:.0f} s, "
            "gunicorn with 2 sync workers; probes of / and /faq/ every 100 ms",
            flush=True,
        )
        results = [
            scenario("direct to storage (S3 on moto)", s3_env, cookies, args, s3=True),
            scenario("naive: through the web worker", base_env, cookies, args, s3=False),
        ]
    finally:
        stop(moto)
        drop_database(admin_url, db_name)
    for result in results:
        print(show(result))
        print(
            f"{'':<34} uploads to {result['upload_to']}: {result['sent_mb']:.1f} MB written by the clients "
            f"({result['rate_kbs']:.0f} KB/s each), {result['completed']} completed {result['statuses']} "
            f"{'errors: ' + ', '.join(result['errors']) if result['errors'] else ''}"
        )
    direct, naive = results
    verdict = "PASS" if direct["busy"]["p95"] < 200 else "FAIL"
    print(
        f"target: other pages within 200 ms while the uploads run -> p95 {direct['busy']['p95']:.0f} ms: {verdict}"
    )
    print(
        f"naive baseline p95 {naive['busy']['p95']:.0f} ms; the whole run took {time.monotonic() - began:.0f} s"
    )


if __name__ == "__main__":
    main()
