"""gunicorn's settings for the portal (read automatically from the working directory; compose and the
Dockerfile run `gunicorn seavl_portal.wsgi:application`). Every value can be set from the environment.

Timeouts fit together: a storage call gives up within about AWS_S3_MAX_ATTEMPTS x (AWS_S3_CONNECT_TIMEOUT
+ AWS_S3_READ_TIMEOUT) = 26 s and a database connection within DATABASE_CONNECT_TIMEOUT = 3 s, both well
under GUNICORN_TIMEOUT, so a service that hangs gives a 503, never a killed worker. Keep-alive is a little
longer than nginx's upstream keep-alive, so nginx never reuses a connection gunicorn just closed.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
# Sync workers: the portal's requests are short (uploads go straight to the bucket); 2 per core + 1.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# A worker is replaced after this many requests (with jitter, so they never all restart at once).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The heartbeat file lives in memory: a slow disk (a container's overlay) never looks like a hung worker.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for the heartbeat file
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# nginx in front: trust its X-Forwarded-* from these addresses (compose: any on the private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# One line per request, with the request id the portal returns (and logs) for it.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
