"""Fixtures of the text tasks: generated benchmark files (the Aya sample's shape) and pool images."""

import json
from pathlib import Path

import pytest
from text_helpers import SAMPLE, picture_bytes, sample_rows, write_benchmark  # noqa: F401

from texttasks.imports import benchmark_import, pool_images_import


@pytest.fixture
def benchmark_files(tmp_path) -> Path:
    return write_benchmark(tmp_path / "aya", sample_rows())


@pytest.fixture
def prompts(db, benchmark_files):
    """The sample's three prompts, imported through the service."""
    from texttasks.models import BenchmarkPrompt

    benchmark_import(path=benchmark_files, images_dir=benchmark_files.parent)
    return list(BenchmarkPrompt.objects.order_by("position"))


@pytest.fixture
def pool(db, tmp_path):
    """Three imported pool images: two of Thailand, one of Indonesia."""
    from texttasks.models import PoolImage

    folder = tmp_path / "pool"
    folder.mkdir()
    rows = []
    for n, countries in enumerate(["Thailand", "Thailand", "Indonesia"]):
        (folder / f"{n}.jpg").write_bytes(picture_bytes(100 + n))
        rows.append({"id": f"img-{n}", "file_name": f"{n}.jpg", "caption": f"Caption {n}",
                     "culture_relevant_loc": countries})  # fmt: skip
    (folder / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    pool_images_import(path=folder)
    return list(PoolImage.objects.order_by("source_ref"))


@pytest.fixture
def translator(make_user):
    """A contributor enrolled as a Thai translator."""
    from texttasks.translations import translator_enroll

    def make(language: str = "tha", **kwargs):
        user = make_user(**kwargs)
        translator_enroll(user=user, language_code=language)
        return user

    return make


@pytest.fixture
def api(client, api_token):
    """The API as a script calls it: `Authorization: Bearer <token>`, paths under /api/v1."""
    user, secret = api_token
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    class Api:
        def post(self, url, data):
            return client.post(f"/api/v1{url}", data, content_type="application/json", **headers)

        def patch(self, url, data):
            return client.patch(f"/api/v1{url}", data, content_type="application/json", **headers)

        def get(self, url, **extra):
            return client.get(url if url.startswith("http") else f"/api/v1{url}", **headers, **extra)

    Api.user = user
    Api.headers = headers
    return Api()
