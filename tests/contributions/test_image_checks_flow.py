"""An image from upload to `in_review` or `rejected`, through the real service and the Celery task."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import NOT_IMAGES, bomb_png, gps_exif, gps_in, heic, jpeg, png, webp
from PIL import Image

from campaign.errors import Conflict, ProfileIncomplete, TaskNotOpen
from campaign.models import Task
from campaign.services import tasks_set_status
from contributions import decisions, pipeline, removal, services, sweeps
from contributions.errors import FileTooLarge, InvalidFields, UnsupportedImageType
from contributions.models import ImageSubmission
from contributions.reasons import reason_text, reasons_text

pytestmark = pytest.mark.django_db

Status = ImageSubmission.Status


def codes(submission):
    return [item["code"] for item in submission.rejection_reasons]


def stored(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_a_good_photo_goes_to_review_with_its_measurements_and_derivatives(contributor, submit):
    submission = submit(contributor, SimpleUploadedFile("market.jpg", jpeg()))

    assert submission.status == Status.IN_REVIEW
    assert submission.rejection_reasons == []
    assert (submission.width, submission.height) == (768, 576)
    assert submission.content_type == "image/jpeg" and submission.check_attempts == 1
    assert submission.phash is not None and submission.sharpness > 0 and len(submission.content_sha256) == 64
    assert list(submission.countries.values_list("code", flat=True)) == ["ID"]
    assert submission.original_filename == "market.jpg" and submission.source == "web"
    for field in (submission.thumbnail, submission.display):
        with Image.open(io.BytesIO(stored(field.name))) as image:
            assert image.format == "WEBP" and max(image.size) <= 1280
    assert str(submission.key) in submission.original.name


@pytest.mark.parametrize("kind", sorted(NOT_IMAGES))
def test_anything_but_an_accepted_image_is_refused_at_upload_with_415(contributor, kind):
    upload = SimpleUploadedFile("photo.jpg", NOT_IMAGES[kind])

    with pytest.raises(UnsupportedImageType) as caught:
        services.image_submission_create(contributor=contributor, upload=upload, **_fields())

    assert caught.value.http_status == 415 and caught.value.field == "image"
    assert not ImageSubmission.objects.exists()


class HugeFile(io.BytesIO):
    """Claims 26 MB; reading it fails the test: too large must be refused before it is read."""

    name = "huge.jpg"
    size = 26 * 1024 * 1024

    def read(self, *args):
        raise AssertionError("a too large upload was read")


def test_a_file_over_25_mb_is_refused_with_413_before_it_is_read(contributor):
    with pytest.raises(FileTooLarge) as caught:
        services.image_submission_create(contributor=contributor, upload=HugeFile(), **_fields())

    assert caught.value.http_status == 413
    assert not ImageSubmission.objects.exists()


def test_the_same_upload_twice_is_a_409_whoever_sends_it(contributor, make_user, submit):
    data = jpeg()
    submit(contributor, data)

    with pytest.raises(Conflict) as caught:
        services.image_submission_create(contributor=make_user(), upload=data, **_fields())

    assert caught.value.http_status == 409
    assert ImageSubmission.objects.count() == 1


def test_a_truncated_jpeg_is_rejected_as_corrupt_and_its_file_is_not_kept(contributor, submit):
    data = jpeg()
    submission = submit(contributor, data[: len(data) // 2])

    assert submission.status == Status.REJECTED and codes(submission) == ["corrupt"]
    assert "damaged" in submission.rejection_reasons[0]["message"]
    assert submission.original.name == ""


def test_a_jpeg_cut_short_with_its_end_marker_put_back_is_rejected_as_corrupt(contributor, submit):
    data = jpeg()
    submission = submit(contributor, data[: len(data) * 3 // 4] + b"\xff\xd9")

    assert submission.status == Status.REJECTED and codes(submission) == ["corrupt"]
    assert submission.original.name == ""


def test_a_decompression_bomb_is_refused_from_its_header(contributor, submit):
    submission = submit(contributor, bomb_png())

    assert submission.status == Status.REJECTED and codes(submission) == ["too_many_pixels"]


def test_a_too_small_photo_is_rejected_with_the_minimum_size(contributor, submit):
    submission = submit(contributor, jpeg(size=(600, 400)))

    assert submission.status == Status.REJECTED and codes(submission) == ["too_small"]
    assert submission.rejection_reasons[0]["params"] == {"px": 512}
    assert "at least 512 pixels" in reason_text(submission.rejection_reasons[0])


def test_gps_and_identifying_exif_are_gone_from_the_stored_original_and_derivatives(contributor, submit):
    data = jpeg(exif=gps_exif())
    assert gps_in(data)

    submission = submit(contributor, data)

    assert submission.status == Status.IN_REVIEW
    for field in (submission.original, submission.thumbnail, submission.display):
        assert not gps_in(stored(field.name))
    # The upload as received (with GPS) is gone from storage once the clean copy replaced it.
    assert not default_storage.exists(f"images/original/{submission.key}")


def test_a_heic_photo_from_an_iphone_is_accepted_and_shown_as_jpeg(contributor, submit):
    submission = submit(contributor, SimpleUploadedFile("IMG_0001.HEIC", heic()))

    assert submission.status == Status.IN_REVIEW
    assert submission.content_type == "image/jpeg"
    assert stored(submission.original.name)[:3] == b"\xff\xd8\xff"


def test_png_and_webp_are_accepted(contributor, submit):
    assert submit(contributor, png()).status == Status.IN_REVIEW
    assert submit(contributor, webp()).status == Status.IN_REVIEW


def test_a_rotated_phone_photo_is_measured_and_derived_upright(contributor, submit):
    # Stored 768 x 576 with EXIF orientation 6 ("rotate 90"): it is displayed 576 x 768.
    submission = submit(contributor, jpeg(exif=gps_exif(orientation=6)))

    assert (submission.width, submission.height) == (576, 768)
    with Image.open(io.BytesIO(stored(submission.display.name))) as display:
        assert display.height > display.width


def test_an_exact_duplicate_with_other_metadata_is_rejected(contributor, make_user, submit):
    first = submit(contributor, jpeg(exif=gps_exif()))
    # The same pixels with different EXIF: another upload, the same clean image.
    exif = gps_exif()
    exif[0x010F] = "AnotherMaker"
    second = submit(make_user(), jpeg(exif=exif))

    assert first.status == Status.IN_REVIEW
    assert second.status == Status.REJECTED and codes(second) == ["duplicate"]


def test_a_near_duplicate_is_rejected_with_a_message_a_person_understands(contributor, make_user, submit):
    submit(contributor, jpeg(quality=92))
    similar = submit(make_user(), jpeg(quality=60, brightness=1.05))

    assert similar.status == Status.REJECTED
    assert reasons_text(similar.rejection_reasons) == [
        {"code": "near_duplicate", "message": "This photo is very similar to one already submitted."}
    ]


def test_a_different_photo_is_not_a_near_duplicate(contributor, submit):
    submit(contributor, jpeg("astronaut"))

    assert submit(contributor, jpeg("coffee")).status == Status.IN_REVIEW


def test_shots_in_one_group_of_one_contributor_are_not_duplicates(contributor, make_user, submit):
    first = submit(contributor, jpeg(quality=92), group="lemang-1")
    second = submit(contributor, jpeg(quality=70, brightness=1.04), group="lemang-1")
    # ... but the same shot from someone else (even with the same group name) is.
    third = submit(make_user(), jpeg(quality=80, brightness=0.97), group="lemang-1")

    assert (first.status, second.status) == (Status.IN_REVIEW, Status.IN_REVIEW)
    assert third.status == Status.REJECTED and codes(third) == ["near_duplicate"]


def test_a_very_blurry_photo_is_rejected_and_a_borderline_one_is_flagged(contributor, submit):
    blurry = submit(contributor, jpeg("coffee", blur=8))
    borderline = submit(contributor, jpeg("astronaut", blur=2))

    assert blurry.status == Status.REJECTED and codes(blurry) == ["too_blurry"]
    assert borderline.status == Status.IN_REVIEW and borderline.blur_flagged


def test_a_redelivered_check_changes_nothing_twice(contributor, submit, django_capture_on_commit_callbacks):
    from contributions.tasks import check_image_submission

    submission = submit(contributor, jpeg())
    before = ImageSubmission.objects.values().get(pk=submission.pk)

    with django_capture_on_commit_callbacks(execute=True):
        check_image_submission.delay(submission.pk)

    assert ImageSubmission.objects.values().get(pk=submission.pk) == before


def test_an_image_that_kills_its_worker_every_time_is_rejected_after_three_tries(
    contributor, monkeypatch, submit
):
    from contributions import checks

    def worker_dies(*args, **kwargs):
        raise SystemExit("the worker process died")

    monkeypatch.setattr(checks, "check_image", worker_dies)
    submission = services.image_submission_create(contributor=contributor, upload=jpeg(), **_fields())
    for _attempt in range(3):
        with pytest.raises(SystemExit):
            pipeline.image_submission_check(submission_id=submission.pk)
    assert ImageSubmission.objects.get(pk=submission.pk).status == Status.PENDING

    pipeline.image_submission_check(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.REJECTED and codes(submission) == ["check_failed"]
    assert submission.check_attempts == 3


def test_pending_sweep_requeues_checks_that_never_ran(
    contributor, monkeypatch, django_capture_on_commit_callbacks
):
    from contributions import tasks

    # The broker is down at upload: the submission is kept, pending.
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.check_image_submission, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.image_submission_create(contributor=contributor, upload=jpeg(), **_fields())
    assert ImageSubmission.objects.get(pk=submission.pk).status == Status.PENDING
    monkeypatch.undo()

    assert sweeps.image_submissions_requeue_pending(older_than_minutes=10) == 0  # too recent
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.image_submissions_requeue_pending(older_than_minutes=0) == 1

    assert ImageSubmission.objects.get(pk=submission.pk).status == Status.IN_REVIEW


def test_orphan_sweep_deletes_old_files_without_a_row_and_keeps_the_rest(contributor, submit):
    from django.core.files.base import ContentFile

    kept = submit(contributor, jpeg())
    orphan = default_storage.save("images/original/0b7c6f1e-1111-4222-8333-944455556666", ContentFile(b"x"))

    assert sweeps.stored_images_sweep_orphans(older_than_minutes=60) == 0  # too young to be sure
    assert sweeps.stored_images_sweep_orphans(older_than_minutes=0) == 1

    assert not default_storage.exists(orphan)
    for field in (kept.original, kept.thumbnail, kept.display):
        assert default_storage.exists(field.name)


def test_fields_are_checked_all_at_once_with_clear_messages(contributor):
    with pytest.raises(InvalidFields) as caught:
        services.image_submission_create(
            contributor=contributor,
            upload=jpeg(),
            description="",
            native_description="",
            native_language="Thai (tha)",
            countries=["Atlantis", "TH"],
            location="x" * 500,
            license_confirmed=False,
        )

    errors = caught.value.errors
    assert set(errors) == {"description", "native_description", "countries", "location", "license_confirmed"}
    assert "Atlantis" in errors["countries"][0]
    assert not ImageSubmission.objects.exists()


def test_english_speakers_need_only_one_description_and_names_of_countries_work(contributor, submit):
    submission = submit(
        contributor,
        jpeg(),
        native_description="",
        native_language="English (eng)",
        countries=["Viet Nam, Laos"],
    )

    assert submission.native_language_code == "eng"
    assert sorted(submission.countries.values_list("code", flat=True)) == ["LA", "VN"]


def test_the_native_language_defaults_to_the_profile(contributor, submit):
    submission = submit(contributor, jpeg(), native_language="")

    assert submission.native_language_label == "Indonesian (ind)"


def test_closed_task_and_incomplete_profile_are_refused(contributor, make_user):
    with pytest.raises(ProfileIncomplete):
        services.image_submission_create(
            contributor=make_user(complete_profile=False), upload=jpeg(), **_fields()
        )

    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)
    with pytest.raises(TaskNotOpen):
        services.image_submission_create(contributor=contributor, upload=jpeg(), **_fields())
    assert not ImageSubmission.objects.exists()


def test_descriptions_can_change_until_the_image_is_decided(contributor, make_user, submit):
    from campaign.errors import DomainError, NotFound

    submission = submit(contributor, jpeg())
    services.image_submission_update_descriptions(
        contributor=contributor,
        submission_id=submission.pk,
        description="Lemang cut open",
        native_description="Lemang dibelah",
    )
    with pytest.raises(NotFound):
        services.image_submission_update_descriptions(
            contributor=make_user(), submission_id=submission.pk, description="mine", native_description="x"
        )
    decisions.image_submission_decide(submission_id=submission.pk, accepted=True)

    with pytest.raises(DomainError, match="already reviewed"):
        services.image_submission_update_descriptions(
            contributor=contributor, submission_id=submission.pk, description="late", native_description="x"
        )
    submission.refresh_from_db()
    assert (submission.description, submission.native_description) == ("Lemang cut open", "Lemang dibelah")


def test_withdrawing_deletes_the_files_and_only_the_owner_can(
    contributor, make_user, submit, django_capture_on_commit_callbacks
):
    from campaign.errors import NotFound

    submission = submit(contributor, jpeg())
    names = [submission.original.name, submission.thumbnail.name, submission.display.name]
    with pytest.raises(NotFound):
        removal.image_submission_withdraw(contributor=make_user(), submission_id=submission.pk)

    with django_capture_on_commit_callbacks(execute=True):
        removal.image_submission_withdraw(contributor=contributor, submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN
    assert not any(default_storage.exists(name) for name in names)


def _fields(**overrides):
    from image_helpers import BASE_FIELDS

    return {**BASE_FIELDS, **overrides}


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_an_animated_image_is_rejected_as_animated_with_a_translatable_reason(contributor, submit, fmt):
    frames = [Image.open(io.BytesIO(data)).convert("RGB") for data in (jpeg(), jpeg("coffee"))]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=200, loop=0)

    submission = submit(contributor, SimpleUploadedFile(f"dance.{fmt.lower()}", out.getvalue()))

    assert submission.status == Status.REJECTED and codes(submission) == ["animated"]
    assert submission.rejection_reasons == [
        {
            "code": "animated",
            "message": "Animated images are not accepted: upload a still photo.",
            "params": {},
        }
    ]
    assert (
        reason_text(submission.rejection_reasons[0])
        == "Animated images are not accepted: upload a still photo."
    )
    assert submission.original.name == ""


def test_an_animated_gif_is_refused_at_upload(contributor):
    frames = [Image.open(io.BytesIO(data)).convert("RGB") for data in (jpeg(), jpeg("coffee"))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedImageType):
        services.image_submission_create(
            contributor=contributor,
            upload=out.getvalue(),
            description="A dance",
            native_language="English (eng)",
            countries=["TH"],
            license_confirmed=True,
        )


def test_the_verdict_is_recorded_before_the_display_and_thumbnail_are_encoded(
    contributor, monkeypatch, submit
):
    from contributions import checks

    seen = []
    real = checks.CheckedImage.derivatives

    def derivatives(self):
        row = ImageSubmission.objects.get(original_filename="first.jpg")
        seen.append((row.status, row.thumbnail.name, row.display.name, bool(row.original.name)))
        return real(self)

    monkeypatch.setattr(checks.CheckedImage, "derivatives", derivatives)
    submission = submit(contributor, SimpleUploadedFile("first.jpg", jpeg()))

    assert seen == [(Status.IN_REVIEW, "", "", True)]
    assert submission.status == Status.IN_REVIEW
    with Image.open(io.BytesIO(stored(submission.display.name))) as display:
        assert display.format == "WEBP" and display.size == (768, 576)
    with Image.open(io.BytesIO(stored(submission.thumbnail.name))) as thumbnail:
        assert thumbnail.format == "WEBP" and max(thumbnail.size) == 320


def test_when_the_derivatives_fail_the_verdict_stands_and_pages_fall_back_to_the_original(
    contributor, monkeypatch, submit
):
    from contributions import checks

    def derivatives(self):
        raise OSError("libwebp ran out of memory")

    monkeypatch.setattr(checks.CheckedImage, "derivatives", derivatives)
    submission = submit(contributor, jpeg())

    assert submission.status == Status.IN_REVIEW and submission.sharpness > 0
    assert not submission.thumbnail.name and not submission.display.name
    with Image.open(io.BytesIO(stored(submission.original.name))) as original:
        assert original.size == (768, 576)
    assert not default_storage.exists(f"images/derived/{submission.key}/display.webp")


def test_an_image_withdrawn_before_its_derivatives_are_recorded_keeps_no_files(
    contributor, monkeypatch, submit, django_capture_on_commit_callbacks
):
    from contributions import checks

    real = checks.CheckedImage.derivatives

    def withdrawn_meanwhile(self):
        row = ImageSubmission.objects.get(original_filename="gone.jpg")
        removal.image_submission_withdraw(contributor=contributor, submission_id=row.pk)
        return real(self)

    monkeypatch.setattr(checks.CheckedImage, "derivatives", withdrawn_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(contributor, SimpleUploadedFile("gone.jpg", jpeg()))

    assert submission.status == Status.WITHDRAWN
    assert not submission.original.name and not submission.thumbnail.name and not submission.display.name
    assert not default_storage.exists(f"images/derived/{submission.key}/display.webp")
    assert not default_storage.exists(f"images/derived/{submission.key}/thumbnail.webp")
