"""The deployed stack as real processes: gunicorn with the production settings (DEBUG=0, the manifest
of collected static files, plain HTTP on loopback), Celery workers and beat, on a PostgreSQL database
of its own, a Redis key prefix of its own and a moto S3 server, each service behind a `FaultProxy`.

A plain module (no pytest): `tests/stack/conftest.py` builds one stack per test module with it, and
`bench/load_stack.py` starts the same stack for Locust.

    stack = Stack(web_nodes=1, workers=1)
    stack.start()
    try:
        requests.get(stack.url + "/faq/")
        stack.proxies["postgres"].set_mode("refuse")   # PostgreSQL "down", for this stack only
    finally:
        stack.stop()                                   # every process killed, database dropped

Never touches the machine's PostgreSQL or Redis beyond its own database and keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from tests.s3 import BROWSER_CORS
from tests.stack.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ACCESS_KEY, SECRET_KEY_S3, REGION = "stack-access-key", "stack-secret-key", "us-east-1"
SECRET_KEY = "stack-" + "s" * 30 + "-production-secret-key-with-enough-entropy"
DEFAULT_PASSWORD = "a-long-stack-passphrase-42"
# Variables of the test run that must not leak into a production process.
_DROPPED = ("DJANGO_ALLOW_ASYNC", "DATABASE", "REDIS", "AWS_", "TEST_", "DEBUG", "ACCOUNT_", "CELERY")
_DROPPED += ("MEDIA", "SITE_URL", "CSRF_", "SENTRY", "STATIC_", "PYTEST", "SEAVL_TESTING", "LOG_", "EMAIL")
_DROPPED += ("GUNICORN", "WEB_CONCURRENCY", "REVIEW_", "IMAGE_", "TRANSLATION_", "DJANGO_SETTINGS")


# The Docker build's `collectstatic` with the production settings: the manifest and hashed names pages
# need. Only the gzip/brotli copies are skipped (whitenoise's documented setting; 2 minutes of CPU on
# this machine); tests/localization/test_static_files.py covers them.
COLLECTSTATIC = """
import os
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
assert settings.DEBUG is False
extensions = {os.path.splitext(path)[1].lstrip(".") for f in get_finders() for path, _ in f.list([])}
settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = sorted(extensions)
call_command("collectstatic", interactive=False, verbosity=0)
print("RESULT=true")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (returned), or raise after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


def _moto_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Process:
    """One process of the stack in its own session (so its children die with it), logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log = logdir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - our own argv
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (gunicorn's and Celery's children included)."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 5) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self.kill(signal.SIGKILL)  # whatever is left of the group, children included
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


class Stack:
    def __init__(
        self,
        *,
        web_nodes: int = 1,
        web_workers: int = 2,
        workers: int = 1,
        worker_concurrency: int = 2,
        beat: bool = True,
        static_root: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self.id = uuid.uuid4().hex[:10]
        self.web_nodes, self.web_workers = web_nodes, web_workers
        self.worker_count, self.worker_concurrency = workers, worker_concurrency
        self.with_beat = beat
        self.dir = Path(tempfile.mkdtemp(prefix=f"seavl-stack-{self.id}-"))
        self.logs = self.dir / "logs"
        self.logs.mkdir()
        self.mail_dir = self.dir / "mail"
        self.mail_dir.mkdir()
        self.static_root = static_root or self.dir / "static"
        self.database = f"seavl_stack_{self.id}"
        self.redis_prefix = f"seavl-stack-{self.id}"
        self.bucket = f"seavl-stack-{self.id}"
        self.extra_env = extra_env or {}
        self.web_ports = [free_port() for _ in range(web_nodes)]
        self.proxies: dict[str, FaultProxy] = {}
        self.moto: Process | None = None
        self.web: list[Process] = []
        self.workers: list[Process] = []
        self.beat: Process | None = None
        self._worker_serial = 0
        self._database_created = False

    # --- addresses ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    @property
    def s3_direct(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def env(self, **overrides: str) -> dict[str, str]:
        """The production environment every process of the stack runs with."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED)}
        s3 = f"http://127.0.0.1:{self.proxies['s3'].port}"
        env.update(
            DJANGO_SETTINGS_MODULE="seavl_portal.settings",
            DEBUG="0",
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=self.url,
            DATABASE_URL=f"postgres://{PG_USER}@127.0.0.1:{self.proxies['postgres'].port}/{self.database}",
            DATABASE_CONNECT_TIMEOUT="2",
            REDIS_URL=f"redis://127.0.0.1:{self.proxies['redis'].port}/0",
            REDIS_KEY_PREFIX=self.redis_prefix,
            CELERY_TASK_ALWAYS_EAGER="0",
            # A message a dead worker held comes back after this many seconds (the checks take ~1 s).
            CELERY_VISIBILITY_TIMEOUT="20",
            # Checks left pending (the broker was down) are re-queued by beat's minute sweep after this.
            IMAGE_PENDING_REQUEUE_SECONDS="30",
            AWS_STORAGE_BUCKET_NAME=self.bucket,
            AWS_S3_ENDPOINT_URL=s3,
            AWS_S3_PUBLIC_ENDPOINT_URL=s3,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY_S3,
            AWS_S3_REGION_NAME=REGION,
            AWS_S3_CONNECT_TIMEOUT="2",
            AWS_S3_READ_TIMEOUT="4",
            AWS_S3_MAX_ATTEMPTS="2",
            CSP_EXTRA_CONNECT_SOURCES=s3,
            CSP_EXTRA_FORM_ACTIONS=s3,
            CSP_EXTRA_IMG_SOURCES=s3,
            EMAIL_URL=f"filemail://{self.mail_dir}".replace("://", ":///"),  # an absolute path: four slashes
            ACCOUNT_EMAIL_VERIFICATION="mandatory",
            STATIC_ROOT=str(self.static_root),
            MEDIA_ROOT=str(self.dir / "media"),
            TRANSLATION_UPLOAD_ROOT=str(self.dir / "locale"),
            REVIEW_MIN_SECONDS_PER_ITEM="0",
            REVIEW_GOLD_RATE="0",
            IMAGE_API_UPLOAD_RATE="100000/m",
            LOG_FORMAT="text",
            LOG_LEVEL="INFO",
            WEB_CONCURRENCY=str(self.web_workers),
            GUNICORN_TIMEOUT="30",
            GUNICORN_LOG_LEVEL="warning",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    # --- life cycle --------------------------------------------------------------------------------

    def start(self) -> Stack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_moto(self) -> None:
        self.moto_port = free_port()
        self.moto = Process(
            "moto",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.moto_port)],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
            self.logs,
        ).start()

    def _wait_for_moto(self, attempts: int = 3) -> None:
        """Up when moto itself answers. The port was free when picked, but in the parallel suite another
        process may bind it before moto does (moto then exits): an open port alone is not moto, so a moto
        that died is started again on a new port, before anything is pointed at it."""
        for attempt in range(attempts):
            if attempt:
                self.moto.stop()
                self.proxies["s3"].close()
                self._start_moto()
                self.proxies["s3"] = FaultProxy("127.0.0.1", self.moto_port)
            wait_for(
                lambda: not self.moto.alive or _moto_answers(self.moto_port), timeout=30, what="moto's S3 server"
            )
            if self.moto.alive:
                return
        raise RuntimeError(f"moto's S3 server did not start: {self.moto.text()[-2000:]}")

    def _start(self) -> None:
        self._start_moto()
        self.proxies = {
            "postgres": FaultProxy(PG_HOST, PG_PORT),
            "redis": FaultProxy(REDIS_HOST, REDIS_PORT),
            "s3": FaultProxy("127.0.0.1", self.moto_port),
        }
        self._create_database()
        self._wait_for_moto()
        self.s3().create_bucket(Bucket=self.bucket)
        self.s3().put_bucket_cors(Bucket=self.bucket, CORSConfiguration=BROWSER_CORS)
        self.manage("migrate", "--noinput", "-v0")
        if not (self.static_root / "staticfiles.json").exists():
            self.python(COLLECTSTATIC)
        for index in range(self.web_nodes):
            self.start_web(index)
        for _ in range(self.worker_count):
            self.start_worker()
        if self.with_beat:
            self.beat = Process(
                "beat",
                [
                    sys.executable, "-m", "celery", "-A", "seavl_portal", "beat", "-l", "info",
                    "--pidfile", str(self.dir / "beat.pid"), "-s", str(self.dir / "beat-schedule"),
                ],
                self.env(),
                self.logs,
            ).start()
        for index in range(self.web_nodes):
            self.wait_web(index)
        for worker in self.workers:
            self.wait_worker(worker)

    def start_web(self, index: int) -> Process:
        process = Process(
            f"web{index}",
            [sys.executable, "-m", "gunicorn", "seavl_portal.wsgi:application", "-c", str(ROOT / "gunicorn.conf.py")],
            self.env(GUNICORN_BIND=f"127.0.0.1:{self.web_ports[index]}"),
            self.logs,
        ).start()
        if index < len(self.web):
            self.web[index] = process
        else:
            self.web.append(process)
        return process

    def wait_web(self, index: int, timeout: float = 60) -> None:
        import requests

        def up():
            if not self.web[index].alive:
                raise RuntimeError(f"gunicorn {index} exited:\n{self.web[index].text()[-3000:]}")
            try:
                return requests.get(self.urls[index] + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout=timeout, what=f"gunicorn {index}")

    def start_worker(self, *, queues: str | None = None) -> Process:
        self._worker_serial += 1
        name = f"worker{self._worker_serial}"
        argv = [
            sys.executable, "-m", "celery", "-A", "seavl_portal", "worker", "-l", "info",
            "--concurrency", str(self.worker_concurrency), "-n", f"{name}@stack-{self.id}",
            "--without-gossip", "--without-mingle",
        ]
        if queues:
            argv += ["-Q", queues]
        process = Process(name, argv, self.env(), self.logs).start()
        self.workers.append(process)
        return process

    def wait_worker(self, worker: Process, timeout: float = 60) -> None:
        def ready():
            if not worker.alive:
                raise RuntimeError(f"{worker.name} exited:\n{worker.text()[-3000:]}")
            return " ready." in worker.text()

        wait_for(ready, timeout=timeout, what=worker.name)

    def stop(self) -> None:
        """Kill every process (even half-started), close the proxies, drop the database and keys."""
        for process in [*self.web, *self.workers, self.beat, self.moto]:
            if process is not None:
                process.stop(grace=3)
        for proxy in self.proxies.values():
            proxy.close()
        if self._database_created:
            self._drop_database()
        self._forget_redis_keys()
        if not os.environ.get("SEAVL_STACK_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers for tests -------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """`manage.py <args>` in a process with the stack's environment."""
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)[:200]} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def python(self, code: str, timeout: float = 120) -> dict | list | None:
        """Run Django code in a process of the stack; whatever it prints after `RESULT=` as JSON."""
        output = self.manage("shell", "-c", code, timeout=timeout).stdout
        found = re.findall(r"^RESULT=(.*)$", output, flags=re.M)
        return json.loads(found[-1]) if found else None

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Read the stack's database directly (not through the proxy, so it works while it is "down")."""
        import psycopg

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.database, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def scalar(self, query: str, params: tuple = ()):
        return self.sql(query, params)[0][0]

    def s3(self):
        """A boto3 client straight to moto (not through the proxy)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.s3_direct, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY_S3, region_name=REGION,
            config=Config(s3={"addressing_style": "path"}),
        )

    def bucket_keys(self, prefix: str = "") -> list[str]:
        client, keys, token = self.s3(), [], None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": prefix, **({"ContinuationToken": token} if token else {})}
            page = client.list_objects_v2(**kwargs)
            keys += [item["Key"] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return keys
            token = page["NextContinuationToken"]

    def mails(self) -> list[str]:
        return [path.read_text(errors="replace") for path in sorted(self.mail_dir.glob("*"))]

    # --- database and keys -------------------------------------------------------------------------

    def _admin_connection(self):
        import psycopg

        return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)

    def _create_database(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self._database_created = True

    def _drop_database(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._database_created = False

    def _forget_redis_keys(self) -> None:
        import redis

        try:
            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=5)
            for key in client.scan_iter(match=f"{self.redis_prefix}*", count=1000):
                client.delete(key)
        except redis.RedisError:
            pass


# --- people, made the way the demo makes them (accounts' and review's services) ----------------------

PEOPLE = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from accounts.roles import ANNOTATOR, ORGANIZER
from accounts.services import profile_update, user_grant_role, user_join_contributors
from campaign.models import Country
from review.models import AnnotatorQualification
made = {}
for email, roles, staff in %(people)r:
    user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password=%(password)r)
    if staff:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user_join_contributors(user=user)
    for role in roles:
        user_grant_role(user=user, role={"annotator": ANNOTATOR, "organizer": ORGANIZER}[role])
    if "annotator" in roles:
        AnnotatorQualification.objects.create(user=user, country_id="TH")
    profile_update(user=user, display_name=email.split("@")[0].title(), use_pseudonym=False, pseudonym="",
                   residence_country=Country.objects.get(code="TH"), native_language="Thai (tha)", accept_terms=True)
    made[email] = user.pk
print("RESULT=" + json.dumps(made))
"""


def make_people(stack: Stack, people: list[tuple[str, tuple[str, ...], bool]]) -> dict[str, int]:
    """Users with verified emails, profiles and roles (annotators qualified for Thailand), in one process.

    `people`: (email, roles among "annotator"/"organizer", staff superuser?); the password is
    DEFAULT_PASSWORD. Returns {email: user id}."""
    return stack.python(PEOPLE % {"people": people, "password": DEFAULT_PASSWORD})
