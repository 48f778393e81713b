"""A benchmark's own PostgreSQL database: created from scratch, Django pointed at it, dropped at the end.

db = BenchDatabase("bench_review")
db.recreate(); db.setup_django(); ...; db.drop()
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

    def recreate(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.name}")

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def setup_django(self) -> None:
        """Django on this database, tasks in-process, the cache in memory (nothing written to Redis)."""
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        os.environ["DATABASE_URL"] = self.url
        os.environ["REDIS_URL"] = ""
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
        os.environ["LOG_LEVEL"] = "WARNING"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seavl_portal.settings")
        import django

        django.setup()
