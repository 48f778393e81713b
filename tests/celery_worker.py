"""Celery as deployed inside a test: tasks go through the suite's Redis (not eager) to a queue of the test's
own, which a real worker thread consumes while `consuming` is open."""

import contextlib
import time
import uuid


@contextlib.contextmanager
def own_queue(settings, prefix: str):
    """Tasks queued in the block go to Redis, on a new queue (yielded) that nothing consumes yet."""
    from seavl_portal.celery import app

    queue = f"{prefix}-{uuid.uuid4().hex[:12]}"
    # Saved before the settings change: app.conf reads the Django settings, so saving after it would
    # "restore" eager mode to off for every later test of this process.
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


@contextlib.contextmanager
def consuming(queue: str):
    """A worker thread taking `queue`'s tasks for the block."""
    from celery.contrib.testing.worker import start_worker

    from seavl_portal.celery import app

    with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
        yield


@contextlib.contextmanager
def real_worker_on_own_queue(settings, prefix: str):
    with own_queue(settings, prefix) as queue, consuming(queue):
        yield queue


def wait_for(predicate, seconds: float = 60) -> bool:
    """Poll `predicate` (every 0.1 s) until it is true (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
