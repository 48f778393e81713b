"""Health probes (answered by `HealthCheckMiddleware`, before anything else runs).

- `/healthz`: the process is alive and serving; no I/O at all. Compose restarts a web container whose
  probe fails; a load balancer takes it out of rotation.
- `/readyz`: the process can do useful work: the database, the broker and the bucket each answer, all
  checked at once with short timeouts, so the answer comes in under a second. 200, or 503 naming what
  failed (`{"status": "unavailable", "checks": {"database": "ok", "broker": "error: ...", ...}}`).
  A service the deployment does not use (no Redis, local disk) is `"skipped"`.
"""

import functools
import json
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

CHECK_TIMEOUT = 0.8  # seconds for all the checks together; each check's own timeouts are shorter
_executor = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


def _json(payload: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


def check_database() -> str:
    # Runs in a pool thread: its own connection, closed afterwards (never kept open by the probe).
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return "ok"


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


@functools.lru_cache(maxsize=4)
def _bucket_probe_client(endpoint_url, region_name, access_key, secret_key, addressing_style):
    """A client of its own with short timeouts and no retries (the storage's client waits up to its
    bounded timeouts, too long for a probe). Built once per process: botocore clients are thread-safe
    and costly to make, so only the first probe after a start pays for it."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
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
    futures = {name: _executor.submit(_run, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=CHECK_TIMEOUT)
    checks = {
        name: future.result() if future.done() else "error: timeout" for name, future in futures.items()
    }
    ready = all(result in ("ok", "skipped") for result in checks.values())
    return _json({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
