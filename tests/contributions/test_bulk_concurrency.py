"""Two workers on one import (a redelivered task while the first still runs): each row is done once."""

import threading

import pytest
from bulk_fixtures import csv_from, photo, row, zip_of
from django.core.files.base import ContentFile
from django.db import connection

from contributions.bulk.processing import bulk_import_process
from contributions.bulk.services import bulk_import_create
from contributions.models import BulkImport, BulkImportRow, ImageSubmission


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_import_submit_each_row_once(contributor):
    names = [f"{n}.jpg" for n in range(8)]
    archive = ContentFile(zip_of({name: photo(200 + n) for n, name in enumerate(names)}), name="p.zip")
    bulk_import = bulk_import_create(
        contributor=contributor,
        archive=archive,
        csv_file=ContentFile(csv_from([row(name) for name in names]), name="p.csv"),
        license_confirmed=True,
    )
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            start.wait()
            bulk_import_process(import_id=bulk_import.pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert ImageSubmission.objects.count() == 8
    assert BulkImportRow.objects.filter(status=BulkImportRow.Status.IMPORTED).count() == 8
    assert BulkImport.objects.get().status == BulkImport.Status.DONE


@pytest.mark.django_db(transaction=True)
def test_the_same_archive_uploaded_twice_at_once_makes_one_import(contributor):
    data = zip_of({"a.jpg": photo(300)})
    csv_data = csv_from([row("a.jpg")])
    start = threading.Barrier(2)
    outcomes = []

    def upload():
        try:
            start.wait()
            bulk_import_create(
                contributor=contributor,
                archive=ContentFile(data, name="a.zip"),
                csv_file=ContentFile(csv_data, name="a.csv"),
                license_confirmed=True,
            )
            outcomes.append("created")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["BulkImportExists", "created"]
    assert BulkImport.objects.count() == 1
