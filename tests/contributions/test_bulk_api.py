"""The bulk import through the API and the organizers' command: the same service, the same report."""

import pytest
from bulk_fixtures import csv_from, photo, row, sample_csv, sample_zip, zip_of
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from contributions.models import BulkImport, BulkImportRow, ImageSubmission

pytestmark = pytest.mark.django_db


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def api_upload(client, secret, archive, csv_data=None, license="true"):
    data = {"archive": SimpleUploadedFile("photos.zip", archive, content_type="application/zip")}
    if csv_data is not None:
        data["csv"] = SimpleUploadedFile("bulk.csv", csv_data, content_type="text/csv")
    if license is not None:
        data["license_confirmed"] = license
    return client.post("/api/v1/images/bulk", data, **bearer(secret))


def test_upload_answers_202_with_a_status_url_that_reports_every_row(
    client, api_token, django_capture_on_commit_callbacks
):
    user, secret = api_token

    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(client, secret, sample_zip(), sample_csv())

    assert response.status_code == 202, response.content
    body = response.json()
    bulk_import = BulkImport.objects.get(contributor=user)
    assert body["id"] == bulk_import.pk and bulk_import.source == "api"
    assert body["status_url"] == f"http://testserver/api/v1/images/bulk/{bulk_import.pk}"
    status = client.get(body["status_url"], **bearer(secret)).json()
    assert status["finished"] and status["imported_rows"] == 4 and status["percent"] == 100
    assert [r["result"] for r in status["rows"]] == ["imported"] * 4
    assert {r["submission_id"] for r in status["rows"]} == set(
        ImageSubmission.objects.values_list("pk", flat=True)
    )


def test_same_archive_again_answers_200_with_the_earlier_import(client, api_token):
    _user, secret = api_token
    archive = sample_zip()
    first = api_upload(client, secret, archive, sample_csv()).json()

    again = api_upload(client, secret, archive, sample_csv())

    assert again.status_code == 200 and again.json()["id"] == first["id"] and again.json()["already_uploaded"]
    assert BulkImport.objects.count() == 1


def test_row_reasons_are_in_the_status(client, api_token, django_capture_on_commit_callbacks):
    _user, secret = api_token
    with django_capture_on_commit_callbacks(execute=True):
        body = api_upload(
            client,
            secret,
            zip_of({"a.jpg": photo(1), "b.jpg": photo(2)}),
            csv_from([row("a.jpg"), row("b.jpg", text_culture_loc="Narnia"), row("c.jpg")]),
        ).json()

    rows = {r["image"]: r for r in client.get(body["status_url"], **bearer(secret)).json()["rows"]}
    assert rows["a.jpg"]["result"] == "imported"
    assert rows["b.jpg"] | {"submission_id": None} == {
        "row": 2,
        "line": 3,
        "image": "b.jpg",
        "result": "refused",
        "submission_id": None,
        "submission_status": None,
        "reason_code": "unknown_country",
        "reason": "Unknown country: Narnia. Use the names of the 11 countries, e.g. Indonesia, Viet Nam.",
    }
    assert rows["c.jpg"]["reason_code"] == "file_missing"


@pytest.mark.parametrize(
    ("archive", "csv_data", "license", "status", "field"),
    [
        (b"not a zip", sample_csv(), "true", 415, "archive"),
        (zip_of({"../../x.jpg": photo(1)}), sample_csv(), "true", 400, "archive"),
        (sample_zip(), b"image\nx.jpg\n", "true", 400, "csv"),
        (sample_zip(), sample_csv(), None, 400, "license_confirmed"),
        (sample_zip(), sample_csv(), "false", 400, "license_confirmed"),
    ],
    ids=["not-zip", "zip-slip", "missing-columns", "no-license", "license-false"],
)
def test_refused_uploads_answer_json_errors_and_store_nothing(
    client, api_token, archive, csv_data, license, status, field
):
    _user, secret = api_token

    response = api_upload(client, secret, archive, csv_data, license=license)

    assert response.status_code == status
    assert response.json()["detail"] and response.json()["errors"][field]
    assert BulkImport.objects.count() == 0


def test_missing_archive_is_a_400_and_no_token_a_401(client, api_token):
    _user, secret = api_token

    assert (
        client.post("/api/v1/images/bulk", {"license_confirmed": "true"}, **bearer(secret)).status_code == 400
    )
    assert api_upload(client, "nope", sample_zip(), sample_csv()).status_code == 401


def test_someone_elses_import_is_404(client, api_token, make_user):
    _user, secret = api_token
    other = make_user()
    from accounts.services import api_token_create

    _token, other_secret = api_token_create(user=other, name="other")
    import_id = api_upload(client, other_secret, sample_zip(), sample_csv()).json()["id"]

    response = client.get(f"/api/v1/images/bulk/{import_id}", **bearer(secret))

    assert response.status_code == 404 and response.json()["detail"]


def test_closed_task_is_403(client, api_token):
    from campaign.models import Task
    from campaign.services import tasks_set_status

    _user, secret = api_token
    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    assert api_upload(client, secret, sample_zip(), sample_csv()).status_code == 403


def test_openapi_documents_the_bulk_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "post" in paths["/api/v1/images/bulk"] and "get" in paths["/api/v1/images/bulk/{import_id}"]


# --- the organizers' command ----------------------------------------------------------------------


def test_command_imports_with_a_progress_bar_and_creates_nothing_twice(contributor, tmp_path, capsys):
    archive = tmp_path / "earlier.zip"
    archive.write_bytes(sample_zip())
    csv_path = tmp_path / "earlier.csv"
    csv_path.write_bytes(sample_csv())

    call_command("import_bulk_images", contributor.email, str(archive), "--csv", str(csv_path))
    first = capsys.readouterr()
    call_command("import_bulk_images", contributor.email, str(archive), "--csv", str(csv_path))
    second = capsys.readouterr()

    bulk_import = BulkImport.objects.get()
    assert bulk_import.source == "command" and bulk_import.status == "done"
    assert bulk_import.rows.filter(status=BulkImportRow.Status.IMPORTED).count() == 4
    assert ImageSubmission.objects.filter(contributor=contributor).count() == 4
    assert (
        "4 imported, 0 not imported, of 4 rows" in first.out and "4/4" in first.err
    )  # tqdm writes to stderr
    assert "uploaded this archive before" in second.out and ImageSubmission.objects.count() == 4


def test_an_import_on_someones_behalf_is_audited(contributor, organizer, tmp_path):
    from organizers.models import AuditEvent

    archive = tmp_path / "earlier.zip"
    archive.write_bytes(sample_zip(with_csv=True))

    call_command("import_bulk_images", contributor.email, str(archive), "--by", organizer.email)

    bulk_import = BulkImport.objects.get()
    event = AuditEvent.objects.get(action="bulk_import.on_behalf")
    assert event.actor == organizer and event.target_id == str(bulk_import.pk)
    assert event.details["contributor"] == contributor.email and event.details["rows"] == 4
    assert event.details["run_by"] == organizer.email and event.details["archive"] == "earlier.zip"
    with pytest.raises(CommandError, match="No organizer"):
        call_command("import_bulk_images", contributor.email, str(archive), "--by", contributor.email)


def test_command_with_the_csv_in_the_zip_and_clear_errors(contributor, tmp_path):
    archive = tmp_path / "with-csv.zip"
    archive.write_bytes(sample_zip(with_csv=True))

    call_command("import_bulk_images", contributor.email, str(archive))

    assert ImageSubmission.objects.count() == 4
    with pytest.raises(CommandError, match="No user"):
        call_command("import_bulk_images", "nobody@example.org", str(archive))
    with pytest.raises(CommandError, match="not a ZIP"):
        bad = tmp_path / "bad.zip"
        bad.write_bytes(b"nope")
        call_command("import_bulk_images", contributor.email, str(bad))


def test_organizers_see_imports_and_their_rows_in_the_admin(client, make_user, api_token):
    _user, secret = api_token
    import_id = api_upload(client, secret, sample_zip(), sample_csv()).json()["id"]
    admin_user = make_user("admin@example.org")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    listing = client.get("/admin/contributions/bulkimport/")
    detail = client.get(f"/admin/contributions/bulkimport/{import_id}/change/")

    assert listing.status_code == 200 and "photos.zip" in listing.content.decode()
    assert detail.status_code == 200 and "Market (1) - Sample Contributor.jpg" in detail.content.decode()
