"""The bulk import's checks done ahead in a thread (checks in-process, the embedded default) end exactly
as the checks run inline: the same rows, statuses, reasons, measurements, review items and duplicates
(within one ZIP, in row order, and against images checked before)."""

import pytest
from bulk_fixtures import csv_from, photo, row, zip_of
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from image_helpers import BASE_FIELDS, jpeg

from contributions import checks, pipeline, services
from contributions.bulk import processing
from contributions.bulk.processing import bulk_import_process
from contributions.bulk.services import bulk_import_create
from contributions.models import BulkImport, BulkImportRow, ImageSubmission

# Real commits: the checks run when each batch commits, as in production (not at the test's end).
pytestmark = pytest.mark.django_db(transaction=True)

Status = ImageSubmission.Status
ROW = BulkImportRow.Status


def members() -> dict[str, bytes]:
    distinct = photo(700)
    return {
        "a.jpg": jpeg("astronaut", quality=92),
        "b.jpg": jpeg("astronaut", quality=60, brightness=1.05),  # a near copy of a.jpg, after it
        "c.jpg": jpeg("coffee", blur=8),  # far too blurry
        "d.jpg": jpeg("chelsea", size=(400, 300)),  # too small, found by the check
        "e.jpg": jpeg("rocket", quality=90),  # the very bytes someone submitted before
        "f.jpg": jpeg("rocket", quality=70, brightness=0.97),  # a near copy of that earlier image
        "g.jpg": distinct,
        "h.jpg": distinct,  # the same bytes twice in one ZIP: the second is refused at once
        "i.jpg": jpeg("coffee")[:9000],  # cut short: corrupt
        "j.jpg": photo(701),
    }


# (row, row status, row reason, submission status, its rejection reasons, in the review queue)
EXPECTED = [
    (1, ROW.IMPORTED, "", Status.IN_REVIEW, [], True),
    (2, ROW.IMPORTED, "", Status.REJECTED, ["near_duplicate"], False),
    (3, ROW.IMPORTED, "", Status.REJECTED, ["too_blurry"], False),
    (4, ROW.IMPORTED, "", Status.REJECTED, ["too_small"], False),
    (5, ROW.REFUSED, "duplicate", None, None, False),
    (6, ROW.IMPORTED, "", Status.REJECTED, ["near_duplicate"], False),
    (7, ROW.IMPORTED, "", Status.IN_REVIEW, [], True),
    (8, ROW.REFUSED, "duplicate", None, None, False),
    (9, ROW.IMPORTED, "", Status.REJECTED, ["corrupt"], False),
    (10, ROW.IMPORTED, "", Status.IN_REVIEW, [], True),
]


def outcome(bulk_import: BulkImport) -> list[tuple]:
    result = []
    for record in bulk_import.rows.select_related("submission").order_by("row_number"):
        submission = record.submission
        result.append(
            (
                record.row_number,
                record.status,
                record.reason_code,
                submission.status if submission else None,
                [r["code"] for r in submission.rejection_reasons] if submission else None,
                bool(submission)
                and ImageSubmission.objects.filter(pk=submission.pk, review_item__isnull=False).exists(),
            )
        )
    return result


def run_import(contributor, files: dict[str, bytes]) -> BulkImport:
    bulk_import = bulk_import_create(
        contributor=contributor,
        archive=ContentFile(zip_of(files), name="photos.zip"),
        csv_file=ContentFile(csv_from([row(name) for name in files]), name="photos.csv"),
        license_confirmed=True,
        enqueue=False,
    )
    assert bulk_import_process(import_id=bulk_import.pk) is True
    return BulkImport.objects.get(pk=bulk_import.pk)


@pytest.fixture
def inline_checks(monkeypatch):
    """Counts the checks that read their stored file and ran inline (not done ahead)."""
    counted = []
    check_stored = pipeline._check_stored

    def counting(submission):
        counted.append(submission.pk)
        return check_stored(submission)

    monkeypatch.setattr(pipeline, "_check_stored", counting)
    return counted


@pytest.mark.parametrize("ahead", [True, False], ids=["checked-ahead", "checked-inline"])
def test_checks_ahead_end_as_inline_checks_with_duplicates_in_the_zip_and_before_it(
    contributor, make_user, monkeypatch, inline_checks, ahead
):
    files = members()
    earlier = services.image_submission_create(
        contributor=make_user(), upload=files["e.jpg"], **{**BASE_FIELDS, "description": "Earlier"}
    )
    assert ImageSubmission.objects.get(pk=earlier.pk).status == Status.IN_REVIEW
    inline_checks.clear()
    if not ahead:
        monkeypatch.setattr(processing, "_checks_here", lambda: False)  # the eager check, inline as before

    bulk_import = run_import(contributor, files)

    assert outcome(bulk_import) == EXPECTED
    imported = [r.submission for r in bulk_import.rows.filter(status=ROW.IMPORTED).order_by("row_number")]
    # Done ahead, every check took its work from the thread; inline, each read its stored file.
    assert len(inline_checks) == (0 if ahead else len(imported))
    # The measurements are those of the check of the same bytes, and the pages' WebPs are there.
    names = list(files)
    for record in bulk_import.rows.filter(status=ROW.IMPORTED).select_related("submission"):
        submission = record.submission
        if submission.status == Status.REJECTED and submission.content_sha256 == "":
            continue  # refused by the check itself (too small, corrupt): nothing measured, file gone
        with checks.check_image(files[names[record.row_number - 1]], min_short_side=1) as expected:
            assert (submission.phash, submission.content_sha256, submission.width, submission.height) == (
                expected.phash,
                expected.sha256,
                expected.width,
                expected.height,
            )
            assert submission.sharpness == pytest.approx(expected.sharpness)
        if submission.status == Status.IN_REVIEW:
            assert submission.display.name and default_storage.exists(submission.display.name)
            assert submission.thumbnail.name and default_storage.exists(submission.thumbnail.name)


def test_a_failure_of_the_work_done_ahead_is_checked_again_inline(contributor, monkeypatch, inline_checks):
    work = pipeline._check_bytes

    def failing_on_the_first(data, **kwargs):
        if data == first:
            raise RuntimeError("out of memory in the thread")
        return work(data, **kwargs)

    first = photo(710)
    monkeypatch.setattr(pipeline, "_check_bytes", failing_on_the_first)

    bulk_import = run_import(contributor, {"x.jpg": first, "y.jpg": photo(711)})

    statuses = [r.submission.status for r in bulk_import.rows.order_by("row_number")]
    assert statuses == [Status.IN_REVIEW, Status.IN_REVIEW]
    assert inline_checks == [bulk_import.rows.get(row_number=1).submission_id]


def test_at_most_the_window_is_held_ahead_and_what_is_not_taken_is_dropped():
    with pipeline.checks_ahead(window=2) as ahead:
        assert ahead.offer(name="images/original/1", data=photo(720)) is True
        assert ahead.offer(name="images/original/2", data=b"not an image") is True
        assert ahead.offer(name="images/original/3", data=photo(721)) is False  # full: checked inline
        first = ahead.take("images/original/1").result()
        assert first.phash is not None and first.derivatives().display_webp
        with pytest.raises(checks.ImageCheckError):
            ahead.take("images/original/2").result()
        assert ahead.offer(name="images/original/3", data=photo(721)) is True  # room again
    # Outside the block the check runs inline whatever was offered.
    assert pipeline._checked_ahead("images/original/3") is None
