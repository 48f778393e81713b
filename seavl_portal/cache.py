"""The cache, degrading instead of raising when Redis is away.

The cache holds what the portal can do without for a while: rate-limit counters (allauth's, the API's
upload throttle), cached figures. With Redis stopped, a read is a miss, a write is skipped, and the
request goes on (an upload is still taken: its check is queued by the minute sweep when the broker is
back); each failure is logged, at most once every few seconds per process.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_LOG_EVERY_SECONDS = 10.0
_last_logged = 0.0


def _unavailable(operation: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("Cache unavailable (%s: %s); going on without it", operation, error)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client with one `redis.Redis` per connection pool, kept: Django builds a new one for every
    call (its table of some 150 reply callbacks each time), which cost more CPU than a cached page's
    whole read. redis-py's client is safe to share; Django keeps one cache object per thread anyway."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class DegradingRedisCache(RedisCache):
    """Django's Redis cache whose every call survives an unreachable Redis (OSError: refused, timeout)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except (RedisError, OSError) as error:
            _unavailable("add", error)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (RedisError, OSError) as error:
            _unavailable("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except (RedisError, OSError) as error:
            _unavailable("set", error)
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except (RedisError, OSError) as error:
            _unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except (RedisError, OSError) as error:
            _unavailable("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except (RedisError, OSError) as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except (RedisError, OSError) as error:
            _unavailable("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _unavailable("incr", error)
            return delta  # a counter that cannot be read starts again

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except (RedisError, OSError) as error:
            _unavailable("set_many", error)
            return list(data)  # the keys that were not stored

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except (RedisError, OSError) as error:
            _unavailable("delete_many", error)
            return None

    def clear(self):
        try:
            return super().clear()
        except (RedisError, OSError) as error:
            _unavailable("clear", error)
            return False
