import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from PIL import Image
from text_helpers import picture_bytes, sample_rows, write_benchmark

from texttasks.imports import ImportProblem, benchmark_import, prompt_drafts_import
from texttasks.models import BenchmarkPrompt, PromptDraft

pytestmark = pytest.mark.django_db


def test_jsonl_in_the_sample_shape_imports_prompts_with_their_images(benchmark_files):
    result = benchmark_import(path=benchmark_files, images_dir=benchmark_files.parent)

    assert (result.created, result.updated) == (len(sample_rows()), 0)
    first, second = BenchmarkPrompt.objects.order_by("position")[:2]
    assert first.benchmark == "aya-vision" and first.source_index == "0"
    assert first.prompt.startswith("Describe what the people")
    assert first.category == "image captioning"
    assert first.images == [1]
    assert second.images == [1, 2]  # two images, both stored
    with second.image_2.open("rb") as handle:
        assert Image.open(handle).format == "PNG"


def test_importing_again_updates_and_never_duplicates(benchmark_files):
    benchmark_import(path=benchmark_files, images_dir=benchmark_files.parent)
    rows = sample_rows()
    rows[0]["prompt"] = "Describe, in detail, what the people are preparing."
    write_benchmark(benchmark_files.parent, rows)

    result = benchmark_import(path=benchmark_files, images_dir=benchmark_files.parent)

    assert BenchmarkPrompt.objects.count() == len(rows)
    assert result.created == 0 and result.updated >= 1
    assert (
        BenchmarkPrompt.objects.get(source_index="0").prompt
        == "Describe, in detail, what the people are preparing."
    )


def test_older_revision_with_question_and_integer_index(tmp_path):
    rows = [{"index": 7, "question": "What festival is this?", "reference": "Songkran", "image": ["7.jpg"]}]
    path = write_benchmark(tmp_path, rows)

    benchmark_import(path=path, images_dir=tmp_path)

    prompt = BenchmarkPrompt.objects.get()
    assert (prompt.source_index, prompt.prompt) == ("7", "What festival is this?")


def test_missing_fields_and_images_are_reported_with_their_line_and_nothing_is_written(tmp_path):
    rows = [
        {"index": "0", "prompt": "Fine prompt.", "image": ["0.jpg"]},
        {"index": "1", "image": ["1.jpg"]},
        {"index": "2", "prompt": "Where is the image?", "image": ["2.jpg"]},
    ]
    path = write_benchmark(tmp_path, rows)
    (tmp_path / "2.jpg").unlink()

    with pytest.raises(ImportProblem) as problem:
        benchmark_import(path=path, images_dir=tmp_path)

    assert "line 2: the field “prompt” (or “question”) is missing" in problem.value.message
    assert "line 3: image 2.jpg not found" in problem.value.message
    assert not BenchmarkPrompt.objects.exists()


def test_csv_with_an_image_folder(tmp_path):
    (tmp_path / "a.jpg").write_bytes(picture_bytes(1))
    (tmp_path / "b.png").write_bytes(picture_bytes(2, "PNG"))
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["index", "prompt", "reference", "image_source_category", "image"]
    )
    writer.writeheader()
    writer.writerow({"index": "10", "prompt": "Compare the two, please.", "reference": "Same",
                     "image_source_category": "image difference", "image": json.dumps(["a.jpg", "b.png"])})  # fmt: skip
    (tmp_path / "prompts.csv").write_text(buffer.getvalue(), encoding="utf-8")

    benchmark_import(path=tmp_path / "prompts.csv", images_dir=tmp_path)

    prompt = BenchmarkPrompt.objects.get(source_index="10")
    assert prompt.images == [1, 2] and prompt.category == "image difference"


def test_parquet_with_embedded_images(tmp_path):
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    table = pa.table(
        {
            "index": ["0", "1"],
            "prompt": ["What dish is shown?", "Read the sign."],
            "reference": ["Pho", "OPEN"],
            "image_source_category": ["general VQA", "OCR"],
            "image": pa.array(
                [
                    [{"bytes": picture_bytes(5), "path": "x.jpg"}],
                    [
                        {"bytes": picture_bytes(6), "path": "y.jpg"},
                        {"bytes": picture_bytes(7, "PNG"), "path": "z.png"},
                    ],
                ],
                type=pa.list_(image_type),
            ),  # fmt: skip
        }
    )
    pq.write_table(table, tmp_path / "aya.parquet")

    result = benchmark_import(path=tmp_path / "aya.parquet")

    assert result.created == 2
    assert BenchmarkPrompt.objects.get(source_index="1").images == [1, 2]


def test_the_command_imports_prompts_and_drafts(benchmark_files, tmp_path):
    drafts = tmp_path / "tha.jsonl"
    drafts.write_text(
        json.dumps({"index": "0", "prompt": "อธิบายสิ่งที่ผู้คนในภาพกำลังเตรียม"}) + "\n", encoding="utf-8"
    )
    out = io.StringIO()

    call_command(
        "import_benchmark", str(benchmark_files), "--images", str(benchmark_files.parent),
        "--drafts", "tha", str(drafts), stdout=out, stderr=io.StringIO(),
    )  # fmt: skip

    assert "3 new" in out.getvalue() or f"{len(sample_rows())} new" in out.getvalue()
    assert PromptDraft.objects.get(prompt__source_index="0", language="tha").text.startswith("อธิบาย")


def test_the_command_fails_clearly_without_the_image_folder(benchmark_files):
    with pytest.raises(CommandError, match="give the image folder"):
        call_command("import_benchmark", str(benchmark_files), stderr=io.StringIO())


def test_drafts_for_an_unknown_index_are_refused(prompts, tmp_path):
    drafts = tmp_path / "d.jsonl"
    drafts.write_text(json.dumps({"index": "999", "prompt": "x"}) + "\n", encoding="utf-8")

    with pytest.raises(ImportProblem, match="no imported prompt has index 999"):
        prompt_drafts_import(path=drafts, language_code="tha")


def test_admin_upload_page_imports_through_the_same_service(client, django_user_model, benchmark_files):
    import zipfile

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    client.force_login(admin)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for image in benchmark_files.parent.iterdir():
            if image.suffix in (".jpg", ".png"):
                zipped.write(image, image.name)
    archive.seek(0)
    archive.name = "images.zip"

    with benchmark_files.open("rb") as data:
        response = client.post(
            "/admin/texttasks/benchmarkprompt/import/",
            {"data": data, "images": archive, "benchmark": "aya-vision"},
        )

    assert response.status_code == 302
    assert BenchmarkPrompt.objects.count() == len(sample_rows())
    assert client.get("/admin/texttasks/benchmarkprompt/").status_code == 200
