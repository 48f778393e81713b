"""A benchmark's own PostgreSQL database: created from scratch, Django pointed at it, dropped at the end.

db = BenchDatabase("bench_review")
db.recreate(); db.setup_django(); ...; db.drop()

`setup_django(broker=True)` hands Celery tasks to Redis (REDIS_URL, default 127.0.0.1:6379) under a key prefix
of the bench's own, as a deployment does (the request path pays the hand-off, a worker would pay the task), and
`drop()` deletes those keys again; the cache is then Redis too, as deployed.
"""

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchDatabase:
    def __init__(self, name: str) -> None:
        server = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
        self.name = name
        self.admin_url = urlunparse(server._replace(path="/postgres"))
        self.url = urlunparse(server._replace(path=f"/{name}"))
        self.redis_prefix = ""

    def recreate(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.name}")

    def exists(self) -> bool:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            return (
                conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone()
                is not None
            )

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        self.forget_redis()

    def forget_redis(self) -> None:
        """Delete the Redis keys this run wrote (`drop()` does; a run that keeps its database calls it)."""
        if self.redis_prefix:  # only the keys this run wrote
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            for key in client.scan_iter(match=f"{self.redis_prefix}*", count=1000):
                client.delete(key)

    def setup_django(self, *, broker: bool = False) -> None:
        """Django on this database; by default tasks in-process and the cache in memory (nothing written to
        Redis); with `broker`, tasks go to Redis under this run's own prefix (no worker takes them)."""
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        os.environ["DATABASE_URL"] = self.url
        if broker:
            os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
            self.redis_prefix = f"bench-{self.name}-{os.getpid()}"
            os.environ["REDIS_KEY_PREFIX"] = self.redis_prefix
            os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
        else:
            os.environ["REDIS_URL"] = ""
            os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
        os.environ["LOG_LEVEL"] = "WARNING"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seavl_portal.settings")
        import django

        django.setup()
