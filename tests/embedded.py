"""`manage.py` commands run as `make run` runs them: the embedded default (SQLite in a folder of the test's
own, media on local disk, eager Celery, no Redis), in a process of their own."""

import os
import subprocess
import sys

from django.conf import settings


def embedded_manage(tmp_path, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Run each command in turn on one fresh embedded database; each must succeed (its stderr shown if
    not). Returns their results, for the caller's assertions on what they printed."""
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
    results = []
    for command in commands:
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        results.append(done)
    return results
