"""The ground floor's Celery tasks, and the one way every request path queues work.

`enqueue` / `enqueue_on_commit` never raise a broker error to the user: the work is logged as not
queued and the sweep that owns it picks it up (pending image checks, stale bulk imports, the outbox).
"""

import logging
import threading
from functools import partial

from celery import shared_task
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction

from campaign.services import tasks_apply_schedule

logger = logging.getLogger(__name__)


def _unreachable_errors(eager: bool) -> tuple[type[BaseException], ...]:
    """What a failed enqueue raises. With a broker any error is the publishing's (kombu's, redis',
    a socket's: they vary by transport); with eager Celery the task runs here, and only the errors of
    an unreachable service are caught, so a bug in a task still shows."""
    from kombu.exceptions import OperationalError as BrokerError

    return (BrokerError, ConnectionError, OSError) if eager else (Exception,)


def enqueue(task, *args, **kwargs) -> bool:
    """Queue `task` now. False (logged) when the broker could not take it; its sweep does the work later
    (pending image checks, stale bulk imports, the outbox of decisions, the review queue's upkeep)."""
    from celery import current_app

    try:
        task.delay(*args, **kwargs)
    except _unreachable_errors(bool(current_app.conf.task_always_eager)):
        logger.warning("Could not queue %s%s; its sweep will pick the work up", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits (at once outside one); never raises."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))


# The debounced hand-off (`enqueue_unless_pending`): a flag in the broker's Redis says "a run of this task
# is queued and has not started". Whoever sets it queues the run; whoever finds it set queues nothing, since
# the run clears the flag (`pending_clear`) before it reads the work, and so reads theirs too (their commit
# came before their look at the flag, which came before the clear). A run whose message is lost keeps the
# flag until it expires; the work then waits for its sweep, as when the broker is down.
_pending_clients: dict[str, object] = {}


def _pending_flag(task) -> tuple | None:
    """The broker's Redis client and the key of `task`'s flag; None without a Redis broker (eager tasks,
    the embedded default) or when the flag cannot be used."""
    from celery import current_app

    conf = current_app.conf
    url = str(conf.broker_url or "")
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    options = conf.broker_transport_options or {}
    client = _pending_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=options.get("socket_connect_timeout", 2),
            socket_timeout=options.get("socket_timeout", 5),
        )
        _pending_clients[url] = client
    return client, f"{options.get('global_keyprefix', '')}pending:{task.name}"


def enqueue_unless_pending(task, *, pending_seconds: int) -> bool | None:
    """Queue a run of `task` (it takes no arguments and finds its work itself) unless one is queued and has
    not started yet: one Redis command for most calls instead of a message each. True when queued or
    already pending, False (logged) when the broker could not take it (its sweep does the work), None
    without a Redis broker: the caller then queues its work as it otherwise would."""
    from redis.exceptions import RedisError

    flag = _pending_flag(task)
    if flag is None:
        return None
    client, key = flag
    try:
        if not client.set(key, 1, nx=True, ex=pending_seconds):
            return True
    except (RedisError, OSError):
        logger.warning("Could not queue %s; its sweep will pick the work up", task.name, exc_info=True)
        return False
    if enqueue(task):
        return True
    pending_clear(task)  # nothing is queued: the next caller queues again
    return False


def pending_clear(task) -> None:
    """A run of `task` queued by `enqueue_unless_pending` starts: later callers queue another, before this
    one reads its work. A Redis error is logged (the flag expires by itself)."""
    from redis.exceptions import RedisError

    flag = _pending_flag(task)
    if flag is None:
        return
    client, key = flag
    try:
        client.delete(key)
    except (RedisError, OSError):
        logger.warning("Could not clear the pending flag of %s", task.name, exc_info=True)


def enqueue_detached(task, *args, **kwargs) -> threading.Thread | None:
    """Queue long work (the admin's "Recompute points now") without holding the request.

    With a broker, the same as `enqueue`. With eager Celery (the embedded default) the task runs in a
    background thread of this process, on its own database connection, and the thread is returned;
    its errors are logged, not raised to the request that started it. Called inside a transaction
    (requests are not: ATOMIC_REQUESTS is off), it runs here: only this connection sees that data."""
    from celery import current_app

    if not current_app.conf.task_always_eager:
        enqueue(task, *args, **kwargs)
        return None
    if connection.in_atomic_block:
        task.apply(args=args, kwargs=kwargs, throw=True)
        return None

    def run() -> None:
        try:
            task.apply(args=args, kwargs=kwargs, throw=True)
        except Exception:
            logger.exception("%s failed in the background", task.name)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run, name=f"detached-{task.name}", daemon=True)
    thread.start()
    return thread


# A database that went away (restart, failover) raises OperationalError or InterfaceError: the work is
# retried with backoff, never acknowledged and dropped.
DATABASE_LOST = (OperationalError, InterfaceError)


def _fresh_connection() -> None:
    """A retry after a lost database starts on a working connection (the worker's is broken)."""
    if not connection.in_atomic_block:
        close_old_connections()


@shared_task(name="campaign.apply_task_schedule", ignore_result=True)
def apply_task_schedule() -> list[int]:
    return tasks_apply_schedule()


# A delivery waits out a database or broker that blinks, and a worker lost mid-task hands it back.
_DELIVERY_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (*DATABASE_LOST, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 8,
    "ignore_result": True,
}


@shared_task(name="campaign.deliver_outbox_event", **_DELIVERY_OPTIONS)
def deliver_outbox_event(outbox_id: int) -> str:
    """Deliver one published decision to its subscribers (points credits it). Safe to run twice."""
    from campaign.outbox import outbox_event_deliver

    _fresh_connection()
    return outbox_event_deliver(outbox_id=outbox_id)


@shared_task(name="campaign.deliver_outbox_events", **_DELIVERY_OPTIONS)
def deliver_outbox_events(outbox_ids: list[int]) -> list[str]:
    """`deliver_outbox_event` for the rows one transaction wrote, in one message (the answer that
    decides an image writes two). Safe to run twice: a delivered row is left as it is."""
    from campaign.outbox import outbox_event_deliver

    _fresh_connection()
    return [outbox_event_deliver(outbox_id=outbox_id) for outbox_id in outbox_ids]


@shared_task(name="campaign.deliver_recent_outbox_events", **_DELIVERY_OPTIONS)
def deliver_recent_outbox_events() -> dict:
    """The debounced delivery (`campaign.outbox.outbox_events_written` with a Redis broker): every event
    still waiting that is younger than the sweep's age, whoever wrote it. Safe to run twice."""
    from campaign.outbox import outbox_events_deliver_recent

    _fresh_connection()
    pending_clear(deliver_recent_outbox_events)  # before reading: later events queue a run of their own
    return outbox_events_deliver_recent()


@shared_task(name="campaign.deliver_waiting_outbox_events", ignore_result=True, time_limit=240)
def deliver_waiting_outbox_events() -> dict:
    """The beat's minute sweep: events whose queued delivery did not happen (broker down, a failure)."""
    from campaign.outbox import outbox_events_deliver_waiting

    _fresh_connection()
    return outbox_events_deliver_waiting()
