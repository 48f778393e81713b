"""Helpers of the deployment tests: the production environment for a subprocess, ports that refuse or
hang, small generated photos."""

import io
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET = "p" * 20 + "-production-secret-key-with-enough-entropy-0123456789"


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment of a production deployment (DEBUG=0, no test flags), plus overrides."""
    dropped = ("DJANGO_ALLOW_ASYNC", "DATABASE", "REDIS", "AWS_", "TEST_", "DEBUG", "ACCOUNT_", "CELERY")
    dropped += ("MEDIA", "SITE_URL", "CSRF_", "SENTRY", "STATIC_", "PYTEST", "SEAVL_TESTING", "LOG_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="sqlite:///:memory:",
        EMAIL_URL="memorymail://",
    )
    env.update(overrides)
    return env


def run_python(code: str, env: dict[str, str], *, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter at the repository's root (settings read from `env` only)."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def database_url_of(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this test process uses (the run's own test database)."""
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingServer:
    """Accepts TCP connections and never answers: an endpoint that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.held.append(conn)

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def hanging_server():
    server = HangingServer()
    yield server
    server.close()


def small_jpeg(seed: int = 1, size: tuple[int, int] = (640, 520)) -> bytes:
    """A small photo-like JPEG (noise over a gradient), different for each seed."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, size[0], dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
