"""The bulk import from the web page: a ZIP with the campaign's CSV becomes submissions, once."""

import csv
import io
from pathlib import Path

import pytest
from bulk_fixtures import SAMPLE_FILES, csv_from, photo, row, sample_csv, sample_zip, zip_of
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from campaign.models import Task
from campaign.services import tasks_set_status
from contributions.bulk.processing import bulk_import_process
from contributions.models import BulkImport, BulkImportRow, ImageSubmission
from contributions.reasons import bulk_row_reason_text

pytestmark = pytest.mark.django_db


def reason_of(row: BulkImportRow) -> str:
    return bulk_row_reason_text(row.reasons, row.legacy_reason)


def post_upload(client, archive: bytes, csv_data: bytes | None = None, *, license=True, name="photos.zip"):
    data = {"archive": SimpleUploadedFile(name, archive, content_type="application/zip")}
    if csv_data is not None:
        data["csv"] = SimpleUploadedFile("bulk.csv", csv_data, content_type="text/csv")
    if license:
        data["license_confirmed"] = "on"
    return client.post("/images/bulk/", data)


@pytest.fixture
def signed_in(client, contributor):
    client.force_login(contributor)
    return client


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload through the page and let the background work (the Celery task, eager here) run."""

    def run(client, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_upload(client, *args, **kwargs)

    return run


def stored_archives() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "bulk"
    return list(folder.iterdir()) if folder.exists() else []


def report_of(client, bulk_import) -> list[dict]:
    response = client.get(f"/images/bulk/{bulk_import.pk}/report.csv")
    assert response["Content-Disposition"].startswith("attachment")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_sample_upload_becomes_submissions_with_countries_language_and_group(
    signed_in, contributor, run_import
):
    response = run_import(signed_in, sample_zip(), sample_csv())

    bulk_import = BulkImport.objects.get(contributor=contributor)
    assert response.status_code == 302 and response["Location"] == f"/images/bulk/{bulk_import.pk}/"
    bulk_import.refresh_from_db()
    assert bulk_import.status == BulkImport.Status.DONE and bulk_import.total_rows == 4
    rows = list(bulk_import.rows.order_by("row_number"))
    assert [r.status for r in rows] == [BulkImportRow.Status.IMPORTED] * 4
    submissions = [r.submission for r in rows]
    assert all(s.contributor == contributor for s in submissions)
    # Each went through the image service and its worker check (eager here), as a web upload does.
    assert {s.source for s in submissions} == {"bulk"}
    assert {s.status for s in submissions} == {ImageSubmission.Status.IN_REVIEW}, [
        s.rejection_reasons for s in submissions
    ]
    assert sorted(submissions[1].countries.values_list("code", flat=True)) == ["ID", "MY"]
    assert submissions[0].native_language_code == "ind" and submissions[3].native_language_code == "lao"
    assert submissions[1].group == submissions[2].group != "" and submissions[0].group == ""
    assert submissions[3].description == "Monks walking past a temple gate in the early morning"
    assert submissions[3].location == "Luang Prabang, Laos"
    # The archive is deleted once every row has its result: the images are stored as submissions.
    assert bulk_import.archive.name == "" and stored_archives() == []

    page = signed_in.get(response["Location"]).content.decode()
    assert "4 of <span" not in page  # rendered numbers, not template text
    assert f"submission #{submissions[0].pk}" in page and 'value="100"' in page
    report = report_of(signed_in, bulk_import)
    assert [r["result"] for r in report] == ["Imported"] * 4
    assert report[0]["image"].endswith("Market%20%281%29%20-%20Sample%20Contributor.jpg")
    assert report[0]["submission_id"] == str(submissions[0].pk)


def test_csv_inside_the_zip_is_used(signed_in, contributor, run_import):
    run_import(signed_in, sample_zip(with_csv=True))

    bulk_import = BulkImport.objects.get(contributor=contributor)
    assert bulk_import.rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 4
    assert bulk_import.unreferenced_files == []


def test_same_zip_twice_creates_nothing_twice_and_shows_the_earlier_import(
    signed_in, contributor, run_import
):
    archive = sample_zip()
    run_import(signed_in, archive, sample_csv())
    first = BulkImport.objects.get()

    again = run_import(signed_in, archive, sample_csv())

    assert again.status_code == 302 and again["Location"] == f"/images/bulk/{first.pk}/"
    assert BulkImport.objects.count() == 1 and ImageSubmission.objects.count() == 4
    assert "You uploaded this archive before" in signed_in.get(again["Location"]).content.decode()


def test_same_images_in_another_zip_are_caught_by_the_duplicate_rule(signed_in, contributor, run_import):
    run_import(signed_in, sample_zip(), sample_csv())
    repacked = sample_zip(folder="other folder/")  # the same photos, a different ZIP

    run_import(signed_in, repacked, sample_csv())

    second = BulkImport.objects.order_by("-pk").first()
    assert BulkImport.objects.count() == 2 and ImageSubmission.objects.count() == 4
    assert set(second.rows.values_list("status", flat=True)) == {BulkImportRow.Status.REFUSED}
    assert all(reason_of(r) for r in second.rows.all())


def test_corrected_csv_beside_the_same_zip_imports_the_fixed_rows(signed_in, contributor, run_import):
    archive = sample_zip()
    broken = sample_csv().replace(b'Luang Prabang, Laos",Lao (lao)', b'Luang Prabang, Laos",Lao (lao)')
    broken = broken.replace(b"Monks walking past a temple gate in the early morning,", b",")
    run_import(signed_in, archive, broken)
    first = BulkImport.objects.get()
    assert first.rows.get(row_number=4).reason_code == "no_description"

    run_import(signed_in, archive, sample_csv())

    second = BulkImport.objects.exclude(pk=first.pk).get()
    statuses = dict(second.rows.values_list("row_number", "status"))
    assert statuses[4] == BulkImportRow.Status.IMPORTED
    assert {statuses[n] for n in (1, 2, 3)} == {BulkImportRow.Status.REFUSED}  # already submitted
    assert ImageSubmission.objects.count() == 4


def _refused(client, archive, csv_data=None, **kwargs):
    response = post_upload(client, archive, csv_data, **kwargs)
    assert response.status_code in (400, 403, 413, 415)
    assert BulkImport.objects.count() == 0 and ImageSubmission.objects.count() == 0
    assert stored_archives() == []
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("archive", "field", "text"),
    [
        (
            zip_of({"../evil.jpg": photo(1), "Temple gate.jpg": photo(2)}),
            "archive",
            "outside it (../evil.jpg)",
        ),
        (zip_of({"/etc/cron.d/evil.jpg": photo(1)}), "archive", "/etc/cron.d/evil.jpg"),
        (zip_of({"Temple gate.jpg": b"\0" * (30 * 1024 * 1024)}), "archive", "ZIP bomb"),
        (b"%PDF-1.4 this is no zip", "archive", "not a ZIP archive"),
        (photo(4), "archive", "not a ZIP archive"),
    ],
    ids=["zip-slip", "absolute-path", "zip-bomb", "pdf", "jpeg"],
)
def test_hostile_archives_are_refused_whole_with_a_clear_message(signed_in, archive, field, text):
    errors = _refused(signed_in, archive, sample_csv())

    assert text in " ".join(errors[field])


@pytest.mark.parametrize(
    ("csv_data", "text"),
    [
        (
            b"image,text_cap_en\nTemple gate.jpg,A temple\n",
            "lacks the columns text_cap_native, text_culture_loc",
        ),
        (b"", "The CSV is empty"),
        (csv_from([]), "header but no rows"),
        (b"\xff\xfe\x00\x00garbage", "UTF-16"),
    ],
    ids=["missing-columns", "empty", "header-only", "binary"],
)
def test_unreadable_csvs_are_refused_whole_naming_what_to_fix(signed_in, csv_data, text):
    errors = _refused(signed_in, sample_zip(), csv_data)

    assert text in " ".join(errors["csv"])


def test_too_many_rows_are_refused_whole(signed_in, settings):
    settings.BULK_MAX_ROWS = 3

    errors = _refused(signed_in, sample_zip(), sample_csv())

    assert "at most 3 per upload" in " ".join(errors["csv"])


def test_license_must_be_confirmed_once_for_the_upload(signed_in):
    errors = _refused(signed_in, sample_zip(), sample_csv(), license=False)

    assert errors["license_confirmed"]


def test_zip_without_csv_says_so(signed_in):
    errors = _refused(signed_in, sample_zip())

    assert "No CSV" in " ".join(errors["csv"])


def test_row_problems_are_reported_per_row_and_the_rest_is_imported(signed_in, contributor, run_import):
    archive = zip_of(
        {
            "good.jpg": photo(10),
            "country.jpg": photo(11),
            "formula.jpg": photo(12),
            "extra/unnamed.jpg": photo(13),
            "nested.zip": zip_of({"x.jpg": photo(14)}),
            "notes.txt": b"hello",
            "fake.jpg": b"<html><script>alert(1)</script></html>",
        },
        symlinks={"link.jpg": "/etc/passwd"},
    )
    csv_data = csv_from(
        [
            row("good.jpg", text_cap_native="+62 pasar, -malam @jakarta"),
            row("country.jpg", text_culture_loc="Indonesia,Atlantis"),
            row("formula.jpg", text_cap_en="=cmd()"),
            row("missing.jpg"),
            row("link.jpg"),
            row("fake.jpg"),
        ]
    )

    run_import(signed_in, archive, csv_data)

    bulk_import = BulkImport.objects.get()
    result = {r.file_name: r for r in bulk_import.rows.all()}
    assert result["good.jpg"].status == BulkImportRow.Status.IMPORTED
    assert result["good.jpg"].submission.native_description == "+62 pasar, -malam @jakarta"  # stored as is
    assert (
        result["country.jpg"].reason_code == "unknown_country" and "Atlantis" in reason_of(result["country.jpg"])
    )
    assert result["formula.jpg"].reason_code == "formula"
    assert reason_of(result["missing.jpg"]) == "The archive has no file named “missing.jpg”."
    assert result["link.jpg"].reason_code == "file_missing"  # a symlink is never followed
    assert result["fake.jpg"].status == BulkImportRow.Status.REFUSED and reason_of(result["fake.jpg"])
    assert bulk_import.unreferenced_files == ["extra/unnamed.jpg"]
    ignored = {item["name"] for item in bulk_import.ignored_files}
    assert ignored == {"nested.zip", "notes.txt", "link.jpg"}
    assert ImageSubmission.objects.count() == 1

    page = signed_in.get(f"/images/bulk/{bulk_import.pk}/").content.decode()
    assert "Atlantis" in page and "extra/unnamed.jpg" in page and "an archive inside the archive" in page
    report = report_of(signed_in, bulk_import)
    by_image = {r["image"]: r for r in report}
    assert by_image["country.jpg"]["reason"].startswith("Unknown country: Atlantis")
    assert by_image["extra/unnamed.jpg"]["result"] == "Not in the CSV"
    assert by_image["nested.zip"]["result"] == "Ignored"


def test_report_neutralises_every_cell_a_spreadsheet_would_run(signed_in, run_import):
    archive = zip_of({"=HYPERLINK(evil).jpg": photo(20), "@SUM(1).jpg": photo(21)})
    csv_data = csv_from([row("=HYPERLINK(evil).jpg", text_cap_en="=cmd()"), row("@SUM(1).jpg")])

    run_import(signed_in, archive, csv_data)

    content = signed_in.get(f"/images/bulk/{BulkImport.objects.get().pk}/report.csv").content.decode(
        "utf-8-sig"
    )
    cells = [cell for line in csv.reader(io.StringIO(content)) for cell in line]
    assert "'=HYPERLINK(evil).jpg" in cells and "'@SUM(1).jpg" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_windows_1252_csv_is_imported_with_a_warning_on_the_page(signed_in, run_import):
    csv_data = csv_from([row("Temple gate.jpg", text_cap_en="Café by the temple")]).decode().encode("cp1252")

    run_import(signed_in, zip_of({"Temple gate.jpg": photo(30)}), csv_data)

    bulk_import = BulkImport.objects.get()
    assert bulk_import.rows.get().submission.description == "Café by the temple"
    assert "Windows-1252" in signed_in.get(f"/images/bulk/{bulk_import.pk}/").content.decode()


def test_closed_task_refuses_the_upload(signed_in):
    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    errors = _refused(signed_in, sample_zip(), sample_csv())

    assert "closed" in " ".join(errors["__all__"])
    assert "closed" in signed_in.get("/images/bulk/").content.decode()


def test_incomplete_profile_is_sent_to_the_profile_page(client, make_user):
    client.force_login(make_user(complete_profile=False))

    response = post_upload(client, sample_zip(), sample_csv())

    assert response.status_code == 302 and response["Location"].startswith("/profile/?next=")
    assert BulkImport.objects.count() == 0


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/images/bulk/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_someone_elses_import_is_not_found(client, signed_in, run_import, make_user):
    run_import(signed_in, sample_zip(), sample_csv())
    bulk_import = BulkImport.objects.get()
    client.force_login(make_user())

    for suffix in ("", "status.json", "report.csv"):
        assert client.get(f"/images/bulk/{bulk_import.pk}/{suffix}").status_code == 404


def test_progress_endpoint_follows_the_rows(signed_in, contributor):
    post_upload(signed_in, sample_zip(), sample_csv())  # queued: the task runs after commit
    bulk_import = BulkImport.objects.get()

    before = signed_in.get(f"/images/bulk/{bulk_import.pk}/status.json")
    page = signed_in.get(f"/images/bulk/{bulk_import.pk}/").content.decode()
    bulk_import_process(import_id=bulk_import.pk)
    after = signed_in.get(f"/images/bulk/{bulk_import.pk}/status.json").json()

    assert before["Cache-Control"].startswith("max-age=0")
    assert before.json() | {"id": 0} == {
        "id": 0,
        "status": "queued",
        "status_label": "Waiting to start",
        "finished": False,
        "total_rows": 4,
        "processed_rows": 0,
        "pending_rows": 4,
        "imported_rows": 0,
        "refused_rows": 0,
        "percent": 0,
    }
    assert (
        'data-status-url="/images/bulk/' in page and "js/bulk.js" in page and 'http-equiv="refresh"' in page
    )
    assert after["finished"] and after["percent"] == 100 and after["imported_rows"] == 4


def test_upload_page_lists_own_imports_with_few_queries(
    signed_in, contributor, django_assert_max_num_queries
):
    for seed in range(3):
        post_upload(
            signed_in, zip_of({"Temple gate.jpg": photo(40 + seed)}), csv_from([row("Temple gate.jpg")])
        )

    with django_assert_max_num_queries(12):
        page = signed_in.get("/images/bulk/").content.decode()

    assert all(f'href="/images/bulk/{i.pk}/"' in page for i in BulkImport.objects.all())
    assert 'enctype="multipart/form-data"' in page and BulkImport.objects.count() == 3


def test_report_page_query_count_does_not_grow_with_rows(
    signed_in, run_import, django_assert_max_num_queries
):
    names = [f"{n}.jpg" for n in range(6)]
    run_import(
        signed_in,
        zip_of({name: photo(60 + n) for n, name in enumerate(names)}),
        csv_from([row(n) for n in names]),
    )
    bulk_import = BulkImport.objects.get()

    with django_assert_max_num_queries(10):
        page = signed_in.get(f"/images/bulk/{bulk_import.pk}/").content.decode()

    assert page.count("submission #") == 6


def test_resumes_where_it_stopped_and_never_does_a_row_twice(signed_in):
    post_upload(signed_in, sample_zip(), sample_csv())
    bulk_import = BulkImport.objects.get()

    assert bulk_import_process(import_id=bulk_import.pk, time_budget=1e-9) is False  # stopped at once
    assert bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).count() == 4
    processed = []
    # The import stops after one row (a worker's time budget running out), then is run again.
    assert bulk_import_process(import_id=bulk_import.pk, on_row=lambda: processed.append(1)) is True
    assert bulk_import_process(import_id=bulk_import.pk) is True

    assert len(processed) == 4 and ImageSubmission.objects.count() == 4
    assert BulkImport.objects.get().status == BulkImport.Status.DONE


def test_an_image_that_keeps_failing_is_refused_after_a_few_tries(signed_in):
    post_upload(signed_in, sample_zip(), sample_csv())
    bulk_import = BulkImport.objects.get()
    # As if a worker died on row 1 three times already (each try is counted before the image is read).
    bulk_import.rows.filter(row_number=1).update(attempts=3)

    bulk_import_process(import_id=bulk_import.pk)

    first = bulk_import.rows.get(row_number=1)
    assert first.status == BulkImportRow.Status.REFUSED and first.reason_code == "processing_failed"
    assert bulk_import.rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 3


def test_a_row_failing_midway_keeps_the_rows_before_it_and_costs_no_try_to_those_after(
    signed_in, monkeypatch
):
    from contributions.bulk import processing

    post_upload(signed_in, sample_zip(), sample_csv())
    bulk_import = BulkImport.objects.get()
    submit = processing.image_submission_create

    def storage_away_on_the_second(**kwargs):
        if kwargs["upload"].name == SAMPLE_FILES[1]:
            raise OSError("storage unreachable")
        return submit(**kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(processing, "image_submission_create", storage_away_on_the_second)
        with pytest.raises(OSError):
            bulk_import_process(import_id=bulk_import.pk)

    rows = {r.row_number: r for r in bulk_import.rows.all()}
    assert rows[1].status == BulkImportRow.Status.IMPORTED and ImageSubmission.objects.count() == 1
    assert [(rows[n].status, rows[n].attempts) for n in (2, 3, 4)] == [
        (BulkImportRow.Status.PENDING, 1),  # tried: counted
        (BulkImportRow.Status.PENDING, 0),  # not tried: not counted
        (BulkImportRow.Status.PENDING, 0),
    ]
    assert bulk_import_process(import_id=bulk_import.pk) is True  # the worker's retry
    assert bulk_import.rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 4
    assert ImageSubmission.objects.count() == 4


def test_sample_files_exist_under_the_names_of_the_fixture():
    assert SAMPLE_FILES[0] == "Market (1) - Sample Contributor.jpg"


def test_a_body_declared_too_large_is_refused_before_it_is_read(signed_in, settings):
    settings.BULK_MAX_ARCHIVE_BYTES = 10_000
    settings.BULK_MAX_CSV_BYTES = 10_000

    errors = _refused(signed_in, sample_zip(), sample_csv())

    assert "larger than" in " ".join(errors["archive"])


def test_broker_down_at_upload_keeps_the_import_and_the_sweep_queues_it_again(
    signed_in, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from contributions.bulk import tasks as bulk_tasks
    from contributions.bulk.processing import bulk_imports_requeue_stale

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(bulk_tasks.process_bulk_import, "delay", broker_down)
        response = run_upload_with_callbacks(signed_in, django_capture_on_commit_callbacks)
    bulk_import = BulkImport.objects.get()
    assert response.status_code == 302 and bulk_import.status == BulkImport.Status.QUEUED

    assert bulk_imports_requeue_stale() == []  # not stale yet
    BulkImport.objects.filter(pk=bulk_import.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert bulk_imports_requeue_stale() == [bulk_import.pk]  # queued again (and run: eager here)

    bulk_import.refresh_from_db()
    assert bulk_import.status == BulkImport.Status.DONE and ImageSubmission.objects.count() == 4


def run_upload_with_callbacks(client, capture):
    with capture(execute=True):
        return post_upload(client, sample_zip(), sample_csv())


def test_stored_archives_without_an_import_are_swept_and_waiting_ones_kept(signed_in):
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from contributions.bulk.tasks import requeue_stale_bulk_imports

    post_upload(signed_in, sample_zip(), sample_csv())  # queued: its archive waits in storage
    waiting = BulkImport.objects.get().archive.name
    orphan = default_storage.save("bulk/left-behind.zip", ContentFile(b"PK"))
    fresh = default_storage.save("bulk/being-stored.zip", ContentFile(b"PK"))
    two_hours_ago = time.time() - 7200
    for name in (waiting, orphan):
        os.utime(default_storage.path(name), (two_hours_ago, two_hours_ago))

    requeue_stale_bulk_imports()

    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)
    # The waiting import was not stale (updated just now), so it is still queued with its archive.
    assert default_storage.exists(waiting) and BulkImport.objects.get().status == BulkImport.Status.QUEUED


def test_the_bulk_page_shows_no_form_while_task_1_is_closed(signed_in):
    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    page = signed_in.get("/images/bulk/").content.decode()

    assert "Task 1 is closed" in page
    assert 'id="bulk-upload-form"' not in page and "Upload and import" not in page
