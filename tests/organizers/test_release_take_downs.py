"""A take-down reaches every earlier release: after two exports, taking an image down supersedes both,
their files are deleted and no longer served, their pages say why, the organizers who started them are
e-mailed which releases to replace, and the next release's card carries the change log."""

import io

import pyarrow.parquet as pq
import pytest
from django.core import mail
from django.core.files.storage import default_storage
from test_dataset_export import read_file, run_export

from contributions.removal import image_submission_take_down
from organizers.models import AuditEvent, DatasetExport

pytestmark = pytest.mark.django_db

REASON = "Personal-data request: the face of a passer-by"
SHARD = "images/data/train-00000-of-00001.parquet"


def test_a_take_down_after_two_exports_supersedes_both_and_stops_their_files(
    client, organizer, make_user, submit_image, django_capture_on_commit_callbacks
):
    other_organizer = make_user("second-organizer@example.org", roles=("organizer",))
    image = submit_image(countries=("ID",))
    kept = submit_image(countries=("ID",))
    first = run_export(organizer, tasks=[1])
    second = run_export(other_organizer, tasks=[1])
    only_kept = run_export(organizer, tasks=[1], countries=["TH"])  # holds nothing: not touched
    client.force_login(organizer)
    link = f"/organizers/exports/{first.pk}/files/{SHARD}"
    assert client.get(link).status_code == 200
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        image_submission_take_down(submission_id=image.pk, actor=organizer, reason=REASON)

    for export in (first, second):
        export.refresh_from_db()
        assert export.status == DatasetExport.Status.SUPERSEDED
        assert export.superseded_at is not None
        assert [entry["image_id"] for entry in export.take_downs] == [image.pk]
        assert export.take_downs[0]["reason"] == REASON
        # Its files are neither served nor kept.
        assert client.get(f"/organizers/exports/{export.pk}/files/{SHARD}").status_code == 404
        assert client.get(f"/organizers/exports/{export.pk}/files/README.md").status_code == 404
        assert not default_storage.exists(export.storage_name(SHARD))
        page = client.get(f"/organizers/exports/{export.pk}/").content.decode()
        assert "Superseded" in page and f"Image {image.pk}, taken down on" in page and REASON in page
        assert "Ready" not in page
        assert AuditEvent.objects.filter(
            action="dataset_export.supersede", target_id=str(export.pk), details__image_id=image.pk
        ).exists()
    only_kept.refresh_from_db()
    assert only_kept.status == DatasetExport.Status.READY
    listing = client.get("/organizers/exports/").content.decode()
    assert f"image {image.pk}" in listing

    # Each organizer is told which of their releases to replace.
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"organizer@example.org", "second-organizer@example.org"}
    assert f"/organizers/exports/{first.pk}/" in by_recipient["organizer@example.org"].body
    assert f"/organizers/exports/{second.pk}/" not in by_recipient["organizer@example.org"].body
    assert f"/organizers/exports/{second.pk}/" in by_recipient["second-organizer@example.org"].body
    assert f"Image {image.pk} was taken down" in by_recipient["organizer@example.org"].body

    # The next release holds only what remains and its card lists what it replaces.
    third = run_export(organizer, tasks=[1])
    rows = pq.read_table(io.BytesIO(read_file(third, SHARD))).to_pylist()
    assert [row["id"] for row in rows] == [kept.pk]
    card = read_file(third, "README.md").decode()
    assert "## Change log" in card
    assert f"| {first.pk} |" in card and f"| {second.pk} |" in card and f"| {image.pk} |" in card
    assert REASON not in card  # a reason may name a person: it stays on the organizers' page

    # A second delivery of the same take-down changes nothing and sends nothing.
    mail.outbox.clear()
    from organizers.services import dataset_exports_supersede

    assert dataset_exports_supersede(submission_id=image.pk) == []
    assert mail.outbox == []


def test_a_take_down_reaches_a_release_through_its_visual_questions(
    organizer, text_contributions, django_capture_on_commit_callbacks
):
    image = text_contributions["image"]
    release = run_export(organizer, tasks=[4])
    [question] = pq.read_table(
        io.BytesIO(read_file(release, "visual_questions/data/train-00000-of-00001.parquet"))
    ).to_pylist()
    assert question["image_id"] == image.pk and question["image"]["bytes"]  # self-contained

    with django_capture_on_commit_callbacks(execute=True):
        image_submission_take_down(submission_id=image.pk, actor=organizer, reason=REASON)

    release.refresh_from_db()
    assert release.status == DatasetExport.Status.SUPERSEDED
    after = run_export(organizer, tasks=[4])
    assert [file["path"] for file in after.files] == ["README.md"]  # its only question is gone
    assert "config_name: visual_questions" not in read_file(after, "README.md").decode()


def _download(export: DatasetExport, into) -> None:
    for file in export.files:
        target = into / file["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read_file(export, file["path"]))


def test_a_release_loads_with_datasets_self_contained_and_described(
    organizer, text_contributions, tmp_path, monkeypatch
):
    """What a dataset user does: download the release and `load_dataset` each config of its card."""
    datasets = pytest.importorskip("datasets")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)  # a local folder only
    release = run_export(organizer, countries=["TH"])  # Thai: images and visual questions only
    _download(release, tmp_path / "release")

    card = (tmp_path / "release" / "README.md").read_text()
    assert "config_name: images" in card and "config_name: visual_questions" in card
    for empty in ("translations", "generation_prompts"):
        assert f"config_name: {empty}" not in card
    # The schema with types and meanings, the licence, the images per country.
    assert "| `avg_caption_fit` | float64 | share of annotators answering yes" in card
    assert (
        "from 0 to 1" in card
        and "| `avg_cultural_relevance` | float64 | mean" in card
        and "1-5 scale" in card
    )
    assert "| `image` | Image |" in card and "| `image_id` | int64 |" in card
    assert "License: CC-BY-SA-4.0" in card
    assert "| Thailand | 1 |" in card

    # A cache of this test's own: the shared one may hold an earlier run's release at the same path.
    cache = str(tmp_path / "cache")
    images = datasets.load_dataset(str(tmp_path / "release"), "images", split="train", cache_dir=cache)
    questions = datasets.load_dataset(
        str(tmp_path / "release"), "visual_questions", split="train", cache_dir=cache
    )
    assert images[0]["id"] == text_contributions["image"].pk
    assert images[0]["image"].size == questions[0]["image"].size  # the question carries its image
    assert questions[0]["image_id"] == text_contributions["image"].pk
    assert questions[0]["question"] == "ขนมนี้ชื่ออะไร"
    assert images.features["avg_caption_fit"].dtype == "float64"
