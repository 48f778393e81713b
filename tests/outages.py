"""Services made unreachable for a test: the Celery broker and the cache pointed at a closed loopback port.

Nothing is mocked: the portal's code talks to a real address where nothing listens, as it would to a
Redis that is stopped.
"""

import contextlib
import socket


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _forget_connections(app) -> None:
    """The Celery app's pools (and kombu's, per process) keep connections to the broker they were made for."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """Celery, as in production (not eager), with its broker at a closed port; restored on exit."""
    from seavl_portal.celery import app

    names = ("broker_url", "task_always_eager", "broker_connection_timeout", "task_publish_retry_policy")
    saved = {name: app.conf[name] for name in names}
    _forget_connections(app)
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.conf.task_always_eager = False
    app.conf.broker_connection_timeout = 1
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    try:
        yield
    finally:
        _forget_connections(app)
        for name, value in saved.items():
            app.conf[name] = value


@contextlib.contextmanager
def cache_unreachable(settings):
    """The default cache (the project's Redis backend) at a closed port; `settings` is pytest-django's."""
    from django.core.cache import caches

    saved = settings.CACHES
    settings.CACHES = {
        "default": {
            **saved["default"],
            "BACKEND": "seavl_portal.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    try:
        caches["default"].get("probe")  # the new backend is in use (and answers None)
        yield
    finally:
        settings.CACHES = saved
