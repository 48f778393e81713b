"""`make run`'s database: every migration applies on SQLite and the demo data loads, with no warning.

The suite itself runs on PostgreSQL; a migration that only PostgreSQL understands would break a
newcomer's first `make run` without this."""

import os
import subprocess
import sys

from django.conf import settings


def test_migrations_and_demo_data_work_on_the_embedded_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "TEST_DATABASE", "REDIS_URL", "REDIS_KEY_PREFIX"))
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "REDIS_URL": "",
        }
    )
    for command in (["migrate", "--noinput"], ["load_demo_data"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "WARNINGS" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "Demo data is loaded" in done.stdout
