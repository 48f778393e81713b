"""scripts/upload_folder.py, as shown in the README, against a live portal."""

import csv
import importlib.util
from pathlib import Path

import pytest
from image_helpers import jpeg, png

from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db(transaction=True)
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "upload_folder.py"
HEADER = [
    "annotation_id",
    "annotator",
    "email",
    "created_at",
    "timestamp",
    "id",
    "image",
    "lead_time",
    "text_cap_en",
    "text_cap_native",
    "text_culture_loc",
    "text_image_loc",
    "text_submitter_native_lang",
    "updated_at",
    "similarity_id",
]


def test_the_readme_script_uploads_a_folder_with_its_csv_and_can_run_again(
    live_server, api_token, tmp_path, capsys, monkeypatch
):
    spec = importlib.util.spec_from_file_location("upload_folder", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    _user, secret = api_token
    (tmp_path / "Market (1) - Sample.jpg").write_bytes(jpeg("astronaut"))
    (tmp_path / "temple.png").write_bytes(png("coffee"))
    rows = [
        {
            "image": "https://example.org/data/Market%20%281%29%20-%20Sample.jpg",
            "text_cap_en": "Lemang vendor",
            "text_cap_native": "Penjual lemang",
            "text_culture_loc": "Indonesia,Malaysia",
            "text_image_loc": "Padang, Indonesia",
            "text_submitter_native_lang": "Indonesian (ind)",
        },
        {
            "image": "temple.png",
            "text_cap_en": "Temple",
            "text_cap_native": "Candi",
            "text_culture_loc": "Narnia",
            "text_submitter_native_lang": "Indonesian (ind)",
        },
    ]
    with (tmp_path / "meta.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    argv = [
        "upload_folder.py",
        str(tmp_path),
        str(tmp_path / "meta.csv"),
        "--url",
        live_server.url,
        "--token",
        secret,
    ]
    monkeypatch.setattr("sys.argv", argv)

    assert script.main() == 1  # one row refused
    first = capsys.readouterr().out
    assert script.main() == 1
    second = capsys.readouterr().out

    assert "submitted as #" in first and "Unknown country: Narnia" in first
    assert "already submitted" in second
    submission = ImageSubmission.objects.get()
    assert sorted(submission.countries.values_list("code", flat=True)) == ["ID", "MY"]
