"""Health probes (answered by `HealthCheckMiddleware`, before anything else runs).

- `/healthz`: the process is alive and serving; no I/O at all (the image's HEALTHCHECK, the proxy's).
  Docker marks a container whose probe fails unhealthy; an orchestrator replaces it.
- `/readyz`: the process can do useful work: the database, the broker and the bucket each answer, all
  checked at once with short timeouts, so the answer comes in under a second. 200, or 503 naming what
  failed (`{"status": "unavailable", "checks": {"database": "ok", "broker": "error: ...", ...}}`).
  A service the deployment does not use (no Redis, local disk) is `"skipped"`. Compose's web
  healthcheck uses it (the proxy starts once web is ready); a load balancer routes only to ready nodes.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

CHECK_TIMEOUT = 0.8  # seconds for all the checks together; each check's own timeouts are shorter
_executor = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")
# One thread, so one database connection per process for the probes (a hung database holds only it).
_database_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz-db")


def _json(payload: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


def check_database() -> str:
    # Runs in the probe's own thread (`_database_executor`), on a connection it keeps between probes,
    # as requests do (CONN_MAX_AGE): a probe is one SELECT 1, not a new connection each time. A
    # connection that failed or outlived its age is replaced first.
    connection = connections["default"]
    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close()  # the next probe connects afresh (the server may be back by then)
        raise
    return "ok"


def close_probe_connection() -> None:
    """Close the probe thread's database connection (before a database is dropped, e.g. in tests)."""
    # Looked up inside the thread: each thread has its own connection object.
    _database_executor.submit(lambda: connections["default"].close()).result(timeout=5)


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return "skipped"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


_bucket_clients: dict[tuple, object] = {}
_bucket_clients_lock = threading.Lock()
_boto_session = None


def _bucket_probe_client(endpoint_url, region_name, access_key, secret_key, addressing_style):
    """A client of its own with short timeouts and no retries (the storage's client waits up to its
    bounded timeouts, too long for a probe). Made once per process and endpoint from one boto3 session
    (whose service models are parsed once: parsing holds the GIL for a long moment); clients are
    thread-safe."""
    global _boto_session
    key = (endpoint_url, region_name, access_key, secret_key, addressing_style)
    with _bucket_clients_lock:
        if key not in _bucket_clients:
            import boto3
            from botocore.config import Config

            if _boto_session is None:
                _boto_session = boto3.session.Session()
            _bucket_clients[key] = _boto_session.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=Config(
                    connect_timeout=0.5,
                    read_timeout=0.5,
                    retries={"max_attempts": 1},
                    s3={"addressing_style": addressing_style or "path"},
                    signature_version="s3v4",
                ),
            )
        return _bucket_clients[key]


def check_bucket() -> str:
    from django.core.files.storage import default_storage

    if not hasattr(default_storage, "bucket_name"):
        return "skipped"
    client = _bucket_probe_client(
        default_storage.endpoint_url,
        default_storage.region_name,
        default_storage.access_key or None,
        default_storage.secret_key or None,
        default_storage.addressing_style,
    )
    client.head_bucket(Bucket=default_storage.bucket_name)
    return "ok"


CHECKS = {"database": check_database, "broker": check_broker, "bucket": check_bucket}


def _run(check) -> str:
    try:
        return check()
    except Exception as error:  # noqa: BLE001 - any failure is "not ready", named in the answer
        return f"error: {type(error).__name__}"


def readyz(request: HttpRequest) -> HttpResponse:
    futures = {
        name: (_database_executor if name == "database" else _executor).submit(_run, check)
        for name, check in CHECKS.items()
    }
    wait(futures.values(), timeout=CHECK_TIMEOUT)
    checks = {
        name: future.result() if future.done() else "error: timeout" for name, future in futures.items()
    }
    ready = all(result in ("ok", "skipped") for result in checks.values())
    return _json({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
