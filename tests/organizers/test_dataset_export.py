import io
import json

import pyarrow.parquet as pq
import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from organizer_images import has_gps

from accounts.models import Profile
from organizers.models import DatasetExport
from organizers.services import dataset_export_run, dataset_export_start

pytestmark = pytest.mark.django_db

PUBLISHED_COLUMNS = [
    "id",
    "image",
    "caption",
    "caption_native_lang",
    "culture_relevant_loc",
    "native_lang",
    "avg_cultural_relevance",
    "avg_caption_fit",
    "avg_img_quality",
    "n_annotator",
    "license",
    "attribution",
    "location",
]


def run_export(organizer, **filters) -> DatasetExport:
    export = dataset_export_start(requested_by=organizer, enqueue=False, **filters)
    return dataset_export_run(export_id=export.pk)


def read_file(export: DatasetExport, path: str) -> bytes:
    with default_storage.open(export.storage_name(path), "rb") as handle:
        return handle.read()


def image_table(export: DatasetExport):
    shards = sorted(f["path"] for f in export.files if f["path"].startswith("images/data/"))
    tables = [pq.read_table(io.BytesIO(read_file(export, path))) for path in shards]
    import pyarrow as pa

    return pa.concat_tables(tables), shards


def test_image_export_has_the_published_columns_only_accepted_rows_and_no_gps(
    organizer, make_user, submit_image
):
    laos = make_user("lao-contributor@example.org", country="LA", display_name="Khamla V.")
    pseudonymous = make_user("hidden@example.org", display_name="Real Name Hidden")
    Profile.objects.filter(user=pseudonymous).update(
        use_pseudonym=True, pseudonym="Mekong Fox", discord_handle="secret#1234"
    )
    from points.models import MerchandiseClaim

    MerchandiseClaim.objects.create(
        contributor=laos,
        tshirt_size="M",
        recipient_name="Khamla Vongsa",
        shipping_address="12 Ban Xieng Mouane, Luang Prabang",
        phone="+856 20 5555 0101",
        points_at_claim="210.00",
    )
    first = submit_image(
        laos, countries=("LA", "TH"), language=("lao", "Lao"), location="Luang Prabang, Laos"
    )
    second = submit_image(pseudonymous, countries=("ID",))
    submit_image(laos, status="rejected")
    submit_image(laos, status="in_review")
    submit_image(laos, status="withdrawn")

    export = run_export(organizer)

    assert export.status == DatasetExport.Status.READY, export.error
    table, shards = image_table(export)
    assert shards == ["images/data/train-00000-of-00001.parquet"]
    assert table.column_names == PUBLISHED_COLUMNS
    rows = table.to_pylist()
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    lao_row, pseudo_row = rows
    assert lao_row["caption"] == first.description
    assert lao_row["caption_native_lang"] == first.native_description
    assert lao_row["culture_relevant_loc"] == "Laos,Thailand"
    assert lao_row["native_lang"] == "Lao (lao)"
    assert lao_row["location"] == "Luang Prabang, Laos"
    assert lao_row["attribution"] == "Khamla V."
    assert pseudo_row["attribution"] == "Mekong Fox"
    assert {row["license"] for row in rows} == {"CC-BY-SA-4.0"}
    # Task 2's scores: three counted ratings of relevance 5, 4, 3; two of three say the caption fits.
    assert lao_row["avg_cultural_relevance"] == pytest.approx(4.0)
    assert lao_row["avg_caption_fit"] == pytest.approx(2 / 3)
    assert lao_row["avg_img_quality"] == pytest.approx(1.0)
    assert lao_row["n_annotator"] == 3
    # The photos were taken WITH a GPS position; the released bytes are the stripped stored copies.
    for row in rows:
        assert row["image"]["path"] == f"{row['id']}.jpg"
        assert not has_gps(row["image"]["bytes"])
    # The `datasets` feature types ride along, so `image` loads as an Image.
    features = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    assert features["image"] == {"_type": "Image"}
    # Nothing private anywhere in the release.
    everything = b"".join(read_file(export, f["path"]) for f in export.files)
    for private in (
        b"lao-contributor@example.org",
        b"hidden@example.org",
        b"Real Name Hidden",
        b"secret#1234",
        b"Ban Xieng Mouane",  # the shipping address of a reward claim
        b"Khamla Vongsa",
        b"5555 0101",
    ):
        assert private not in everything


def test_two_exports_of_the_same_data_are_byte_identical(organizer, submit_image, settings):
    settings.ORGANIZERS_EXPORT_SHARD_ROWS = 2
    settings.ORGANIZERS_EXPORT_BATCH_ROWS = 1
    for days in (1, 2, 3):
        submit_image(countries=("KH",), created_days_ago=days)

    first = run_export(organizer, tasks=[1])
    second = run_export(organizer, tasks=[1])

    assert first.prefix != second.prefix
    paths = [f["path"] for f in first.files]
    assert paths == [
        "README.md",
        "images/data/train-00000-of-00002.parquet",
        "images/data/train-00001-of-00002.parquet",
    ]
    assert first.files == second.files
    for path in paths:
        assert read_file(first, path) == read_file(second, path)
    assert sum(pq.read_metadata(io.BytesIO(read_file(first, p))).num_rows for p in paths[1:]) == 3


def test_a_full_release_with_text_tasks_is_reproducible_too(organizer, text_contributions):
    first = run_export(organizer)
    second = run_export(organizer)

    assert [f["path"] for f in first.files] == [
        "README.md",
        "generation_prompts/data/train-00000-of-00001.parquet",
        "images/data/train-00000-of-00001.parquet",
        "translations/data/train-00000-of-00001.parquet",
        "visual_questions/data/train-00000-of-00001.parquet",
    ]
    assert first.files == second.files
    for file in first.files:
        assert read_file(first, file["path"]) == read_file(second, file["path"])


def test_text_exports_hold_accepted_contributions_only(organizer, text_contributions):
    export = run_export(organizer)

    def rows(name):
        return pq.read_table(
            io.BytesIO(read_file(export, f"{name}/data/train-00000-of-00001.parquet"))
        ).to_pylist()

    translation = text_contributions["translation"]
    assert rows("translations") == [
        {
            "id": translation.pk,
            "source_index": "0",
            "language": "lao",
            "prompt": "English prompt 0",
            "translation": "ຄຳແປ 0",
            "license": "CC-BY-SA-4.0",
            "attribution": Profile.objects.get(user_id=translation.contributor_id).public_name,
        }
    ]
    [question] = rows("visual_questions")
    assert question["image_id"] == text_contributions["image"].pk
    assert (question["language"], question["question"], question["answer"]) == (
        "tha",
        "ขนมนี้ชื่ออะไร",
        "ข้าวเหนียว",
    )
    chain = rows("generation_prompts")
    assert [(r["country"], r["level"]) for r in chain] == [("Cambodia", 1), ("Cambodia", 2), ("Cambodia", 3)]
    assert len({r["chain_id"] for r in chain}) == 1
    card = read_file(export, "README.md").decode()
    assert "| lao | 1 |" in card and "| tha | 1 |" in card and "| Cambodia | 3 |" in card
    assert "config_name: translations" in card and "- lao" in card

    only_laos = run_export(organizer, countries=["LA"], tasks=[3, 5])
    # No Lao generation prompts: the empty table is left out of the files and of the card's configs
    # (issue 15: `load_dataset` fails on a config that "corresponds to no data").
    assert [f["path"] for f in only_laos.files] == [
        "README.md",
        "translations/data/train-00000-of-00001.parquet",
    ]
    only_laos_card = read_file(only_laos, "README.md").decode()
    assert "config_name: translations" in only_laos_card
    assert "generation_prompts" not in only_laos_card
    assert (
        pq.read_metadata(
            io.BytesIO(read_file(only_laos, "translations/data/train-00000-of-00001.parquet"))
        ).num_rows
        == 1
    )


def test_filters_limit_countries_dates_and_tasks(organizer, submit_image):
    lao = submit_image(countries=("LA",), created_days_ago=2)
    submit_image(countries=("TH",), created_days_ago=2)
    submit_image(countries=("LA", "TH"), created_days_ago=40)

    from django.utils import timezone

    today = timezone.localdate()
    export = run_export(
        organizer,
        countries=["LA"],
        date_from=today - timezone.timedelta(days=10),
        date_to=today,
        tasks=[1],
    )

    table, _shards = image_table(export)
    assert table.column("id").to_pylist() == [lao.pk]
    card = read_file(export, "README.md").decode()
    assert "| Laos | 1 |" in card
    assert "Countries: Laos" in card


def test_dataset_card_counts_license_and_review(organizer, submit_image):
    submit_image(countries=("MM",), language=("mya", "Burmese"))
    submit_image(countries=("MM", "TH"), language=("tha", "Thai"))

    export = run_export(organizer, tasks=[1])

    card = read_file(export, "README.md").decode()
    assert card.startswith("---\nlicense: cc-by-sa-4.0\n")
    assert "path: images/data/train-*.parquet" in card
    assert "| Myanmar | 2 |" in card and "| Thailand | 1 |" in card
    assert "| Burmese (mya) | 1 |" in card and "| Thai (tha) | 1 |" in card
    assert "CC-BY-SA-4.0" in card
    assert "## How the data was reviewed" in card


def test_an_image_that_still_has_gps_stops_the_export_and_releases_nothing(organizer, submit_image):
    submit_image(countries=("ID",))
    leaking = submit_image(countries=("ID",), store_gps=True)

    export = run_export(organizer)

    assert export.status == DatasetExport.Status.FAILED
    assert f"Image {leaking.pk} still carries GPS data" in export.error
    assert export.files == []
    assert not default_storage.exists(export.storage_name("images/data/train-00000-of-00001.parquet"))
    assert "failed" in mail.outbox[-1].subject


def test_a_finished_export_is_not_written_again(organizer, submit_image):
    submit_image()
    export = run_export(organizer)
    files = export.files

    again = dataset_export_run(export_id=export.pk)

    assert again.status == DatasetExport.Status.READY and again.files == files


def test_the_worker_writes_it_and_the_organizer_gets_a_link(
    organizer, submit_image, django_capture_on_commit_callbacks, client
):
    submit_image()

    with django_capture_on_commit_callbacks(execute=True):
        export = dataset_export_start(requested_by=organizer, tasks=[1])

    export.refresh_from_db()
    assert export.status == DatasetExport.Status.READY and export.progress == 100
    message = mail.outbox[-1]
    assert message.to == ["organizer@example.org"] and "ready" in message.subject
    assert f"/organizers/exports/{export.pk}/" in message.body
    client.force_login(organizer)
    page = client.get(f"/organizers/exports/{export.pk}/").content.decode()
    link = f"/organizers/exports/{export.pk}/files/images/data/train-00000-of-00001.parquet"
    assert link in page
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == read_file(
        export, "images/data/train-00000-of-00001.parquet"
    )


def test_only_organizers_download_and_only_listed_files(organizer, contributor, submit_image, client):
    submit_image()
    export = run_export(organizer)
    link = f"/organizers/exports/{export.pk}/files/README.md"

    client.force_login(contributor)
    assert client.get(link).status_code == 403
    client.force_login(organizer)
    assert client.get(link).status_code == 200
    assert client.get(f"/organizers/exports/{export.pk}/files/../../etc/passwd").status_code == 404


def test_files_of_an_export_that_is_not_ready_are_not_served(organizer, submit_image, client):
    submit_image()
    export = run_export(organizer)
    link = f"/organizers/exports/{export.pk}/files/README.md"
    client.force_login(organizer)
    assert client.get(link).status_code == 200

    DatasetExport.objects.filter(pk=export.pk).update(status=DatasetExport.Status.FAILED)
    assert client.get(link).status_code == 404
    assert client.get(f"/organizers/exports/{export.pk + 1000}/files/README.md").status_code == 404


def test_the_export_form_checks_its_input(organizer, client):
    client.force_login(organizer)

    response = client.post("/organizers/exports/", {"date_from": "2025-03-10", "date_to": "2025-03-01"})

    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not DatasetExport.objects.exists()


def test_the_command_exports_with_filters(organizer, submit_image, capsys):
    lao = submit_image(countries=("LA",))
    submit_image(countries=("TH",))

    call_command("export_dataset", "--countries", "LA", "--tasks", "1", "--here", "--email", organizer.email)

    export = DatasetExport.objects.get()
    assert export.countries == ["LA"] and export.tasks == [1] and export.requested_by == organizer
    table, _ = image_table(export)
    assert table.column("id").to_pylist() == [lao.pk]
    assert "is ready" in capsys.readouterr().out


def test_the_command_refuses_unknown_countries(db):
    with pytest.raises(CommandError, match="Unknown country codes: XX"):
        call_command("export_dataset", "--countries", "XX")


def test_admin_add_form_starts_an_export(
    organizer, submit_image, django_user_model, client, django_capture_on_commit_callbacks
):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    submit_image(countries=("BN",))
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/organizers/datasetexport/add/",
            {"date_from": "", "date_to": "", "countries": ["BN"], "tasks": ["1"]},
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    export = DatasetExport.objects.get()
    assert export.requested_by == admin_user and export.countries == ["BN"] and export.tasks == [1]
    export.refresh_from_db()
    assert export.status == DatasetExport.Status.READY


def test_on_s3_the_release_goes_to_the_bucket_and_downloads_through_a_signed_link(
    organizer, submit_image, s3_storage, client
):
    import urllib.request

    s3, bucket = s3_storage
    submit_image(countries=("TL",))

    export = run_export(organizer, tasks=[1])

    keys = sorted(
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].startswith("exports/")
    )
    assert keys == [f"{export.prefix}/README.md", f"{export.prefix}/images/data/train-00000-of-00001.parquet"]
    assert len(export.prefix.split("/")[1]) == 32  # an unguessable prefix
    client.force_login(organizer)
    response = client.get(f"/organizers/exports/{export.pk}/files/images/data/train-00000-of-00001.parquet")
    assert response.status_code == 302 and "Signature=" in response["Location"]
    with urllib.request.urlopen(response["Location"]) as download:  # noqa: S310 - the moto server on loopback
        assert download.read() == read_file(export, "images/data/train-00000-of-00001.parquet")


def test_an_export_started_with_the_broker_down_waits_queued_and_the_sweep_runs_it(
    organizer, submit_image, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from organizers.tasks import requeue_queued_exports
    from tests.outages import broker_unreachable

    submit_image()
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        export = dataset_export_start(requested_by=organizer, tasks=[1])  # does not raise
    export.refresh_from_db()
    assert export.status == DatasetExport.Status.QUEUED
    assert requeue_queued_exports.delay().get() == []  # just asked for: not yet
    DatasetExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert requeue_queued_exports.delay().get() == [export.pk]
    export.refresh_from_db()
    assert export.status == DatasetExport.Status.READY
