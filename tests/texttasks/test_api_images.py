"""The API's image URLs are absolute and answer a script that sends its token (not only a browser)."""

import json

import pytest
from text_helpers import picture_bytes

from texttasks.imports import pool_images_import
from texttasks.models import PoolImage

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_next_image_gives_an_absolute_url_that_answers_the_token(api, client, pool):
    image = api.get("/visual-questions/next-image?countries=TH").json()
    url = image["image_url"]

    with_token = api.get(url)
    without = client.get(url)

    assert url == f"http://testserver/api/v1/visual-questions/images/{image['id']}"
    assert with_token.status_code == 200 and with_token["Content-Type"] == "image/jpeg"
    number = int(PoolImage.objects.get(pk=image["id"]).source_ref.removeprefix("img-"))
    assert _body(with_token) == picture_bytes(100 + number)
    assert without.status_code == 401


def test_benchmark_prompt_image_urls_answer_the_token(api, client, prompts):
    items = api.get("/benchmark-prompts").json()["items"]
    two = next(item for item in items if len(item["image_urls"]) == 2)
    prompt = next(p for p in prompts if p.pk == two["id"])

    responses = [api.get(url) for url in two["image_urls"]]

    assert all(url.startswith("http://testserver/api/v1/benchmark-prompts/") for url in two["image_urls"])
    assert [r.status_code for r in responses] == [200, 200]
    assert [_body(r) for r in responses] == [prompt.image_1.read(), prompt.image_2.read()]
    assert client.get(two["image_urls"][0]).status_code == 401
    assert api.get(f"/benchmark-prompts/{prompt.pk}/images/3").status_code == 404


def test_the_image_url_answers_from_the_bucket_too(api, s3_storage, tmp_path):
    folder = tmp_path / "pool"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(picture_bytes(7))
    row = {"id": "img-a", "file_name": "a.jpg", "caption": "A", "culture_relevant_loc": "Laos"}
    (folder / "metadata.jsonl").write_text(json.dumps(row), encoding="utf-8")
    pool_images_import(path=folder)
    client, bucket = s3_storage

    url = api.get("/visual-questions/next-image").json()["image_url"]
    response = api.get(url)

    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert response.status_code == 200 and _body(response) == picture_bytes(7)


def test_next_image_is_refused_while_task_4_is_closed(api, pool):
    from campaign.models import Task
    from campaign.services import tasks_set_status

    tasks_set_status(numbers=[4], status=Task.Status.CLOSED)

    response = api.get("/visual-questions/next-image?countries=TH")

    assert response.status_code == 403
    assert "Task 4 is closed" in response.json()["detail"]
