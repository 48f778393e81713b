"""The web ways in (plain form, two-step upload), My images, a submission's page, and who sees files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import NOT_IMAGES, gps_exif, gps_in, jpeg

from accounts.roles import ANNOTATOR, ORGANIZER
from campaign.models import Task
from campaign.services import tasks_set_status
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db

Status = ImageSubmission.Status


def page_form(**overrides):
    data = {
        "description": "Boun Ok Phansa boat racing on the Mekong",
        "native_description": "ບຸນອອກພັນສາ",
        "native_language": "Lao (lao)",
        "countries": ["LA"],
        "location": "Vientiane, Laos",
        "group": "",
        "license_confirmed": "on",
    }
    data.update(overrides)
    return data


def test_the_plain_form_submits_one_photo_and_shows_it(
    client, contributor, django_capture_on_commit_callbacks
):
    client.force_login(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/images/new/", {**page_form(), "image": SimpleUploadedFile("boat.jpg", jpeg())}, follow=True
        )

    submission = ImageSubmission.objects.get()
    assert response.redirect_chain[-1][0] == f"/images/{submission.pk}/"
    assert submission.status == Status.IN_REVIEW and submission.native_language_code == "lao"
    assert "Thank you" in response.content.decode()


def test_the_plain_form_says_what_is_wrong(client, contributor):
    client.force_login(contributor)

    response = client.post(
        "/images/new/",
        {
            **page_form(countries=[], license_confirmed=""),
            "image": SimpleUploadedFile("x.jpg", NOT_IMAGES["html"]),
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one country" in page and "Confirm that you took this photo" in page
    assert not ImageSubmission.objects.exists()


def test_the_plain_form_refuses_a_non_image_with_415(client, contributor):
    client.force_login(contributor)

    response = client.post(
        "/images/new/", {**page_form(), "image": SimpleUploadedFile("x.jpg", NOT_IMAGES["svg"])}
    )

    assert response.status_code == 415
    assert "not a JPEG, PNG, WebP or HEIC" in response.content.decode()


def test_the_upload_page_has_a_multi_file_picker_for_phones(client, contributor):
    client.force_login(contributor)

    page = client.get("/images/new/").content.decode()

    assert 'accept="image/*"' in page and 'enctype="multipart/form-data"' in page
    assert "js/upload.js" in page and "<script>" not in page


def test_two_step_upload_stores_the_file_then_finalizes_it(
    client, contributor, django_capture_on_commit_callbacks
):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()

    stored = client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg(exif=gps_exif()))})
    with django_capture_on_commit_callbacks(execute=True):
        final = client.post(
            "/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"], "filename": "a.jpg"}
        )

    assert stored.status_code == 201 and final.status_code == 201, final.content
    submission = ImageSubmission.objects.get(pk=final.json()["id"])
    assert submission.status == Status.IN_REVIEW and submission.original_filename == "a.jpg"
    assert not gps_in(client.get(f"/images/{submission.key}/original/").getvalue())
    # The ticket cannot be used twice.
    again = client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]})
    assert again.status_code == 409


def test_two_step_refuses_a_non_image_and_deletes_it(client, contributor):
    from django.core.files.storage import default_storage

    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", NOT_IMAGES["exe"])})

    final = client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]})

    assert final.status_code == 415 and final.json()["errors"]["image"]
    assert not default_storage.exists(ticket["url"].split("/")[-2]) and not ImageSubmission.objects.exists()


def test_two_step_field_errors_keep_the_stored_file_for_a_retry(client, contributor):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg())})

    bad = client.post("/images/uploads/finalize/", {**page_form(description=""), "ticket": ticket["ticket"]})
    good = client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]})

    assert bad.status_code == 400 and "description" in bad.json()["errors"]
    assert good.status_code == 201


def test_someone_elses_ticket_is_refused(client, contributor, make_user):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    client.force_login(make_user())

    assert client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg())}).status_code == 403
    assert (
        client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]}).status_code
        == 403
    )


def test_the_local_upload_endpoint_enforces_the_size_limit(client, contributor, settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 40_000
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()

    response = client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg(size=(1600, 1200)))})

    assert response.status_code == 413


def test_the_local_upload_endpoint_keeps_the_first_file_and_says_what_is_missing(client, contributor):
    from django.core.files.storage import default_storage

    from contributions import uploads

    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    first = jpeg()

    empty = client.post(ticket["url"], {})
    stored = client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", first)})
    again = client.post(ticket["url"], {"file": SimpleUploadedFile("b.jpg", jpeg("coffee"))})

    assert empty.status_code == 400 and empty.json()["errors"]["file"] == ["No file was sent."]
    assert stored.status_code == 201 and stored.json() == {"stored": True}
    assert again.status_code == 409 and again.json()["detail"] == "This upload was already sent."
    key = uploads.ticket_key(user=contributor, ticket=ticket["ticket"])
    with default_storage.open(f"images/original/{key}", "rb") as handle:
        assert handle.read() == first


@pytest.mark.parametrize("confirmed", ["true", "True", "1", "yes"])
def test_the_two_step_finalize_reads_the_licence_box_as_the_api_does(
    client, contributor, confirmed, django_capture_on_commit_callbacks
):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg())})

    refused = client.post(
        "/images/uploads/finalize/", {**page_form(license_confirmed="no"), "ticket": ticket["ticket"]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        final = client.post(
            "/images/uploads/finalize/",
            {**page_form(license_confirmed=confirmed), "ticket": ticket["ticket"]},
        )

    assert refused.status_code == 400 and "license_confirmed" in refused.json()["errors"]
    assert final.status_code == 201, final.content


@pytest.mark.parametrize("way", ["form", "ticket", "finalize"])
def test_closed_task_refuses_every_web_write_path(client, contributor, way):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()
    client.post(ticket["url"], {"file": SimpleUploadedFile("a.jpg", jpeg())})
    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    if way == "form":
        response = client.post(
            "/images/new/", {**page_form(), "image": SimpleUploadedFile("b.jpg", jpeg("coffee"))}
        )
        assert "closed" in response.content.decode()
    elif way == "ticket":
        response = client.post("/images/uploads/ticket/")
        assert response.status_code == 403 and "closed" in response.json()["detail"]
    else:
        response = client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]})
        assert response.status_code == 403
    assert not ImageSubmission.objects.exists()
    assert "closed" in client.get("/images/new/").content.decode()


def test_an_incomplete_profile_is_sent_to_the_profile_page(client, make_user):
    client.force_login(make_user(complete_profile=False))

    for response in (
        client.get("/images/new/"),
        client.post("/images/new/", {**page_form(), "image": SimpleUploadedFile("b.jpg", jpeg())}),
        client.post("/images/uploads/ticket/"),
        client.post("/images/uploads/finalize/", page_form()),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/profile/")
    assert not ImageSubmission.objects.exists()


def test_my_images_lists_thumbnails_statuses_and_reasons_with_bounded_queries(
    client, contributor, make_user, submit, django_assert_num_queries
):
    for name in ("astronaut", "coffee", "chelsea"):
        submit(contributor, jpeg(name))
    small = submit(contributor, jpeg("rocket", size=(500, 400)))
    submit(make_user(), jpeg("camera"))
    client.force_login(contributor)
    client.get("/images/")  # warm the session

    with django_assert_num_queries(7):  # session, user, profile, roles, count, page, countries
        response = client.get("/images/")

    page = response.content.decode()
    assert page.count('class="image-card"') == 4
    assert page.count("/thumbnail/") == 3 and "too small" in page
    rejected = client.get("/images/?status=rejected").content.decode()
    assert rejected.count('class="image-card"') == 1 and f'data-id="{small.pk}"' in rejected
    assert 'href="/images/"' in client.get("/").content.decode()  # the menu links here


def test_my_images_is_paginated(client, contributor, submit):
    for index in range(26):
        submit(contributor, jpeg("astronaut", size=(520 + index * 40, 520)))  # pending or not, all listed
    client.force_login(contributor)

    first = client.get("/images/").content.decode()
    second = client.get("/images/?page=2").content.decode()

    assert first.count('class="image-card"') == 24 and second.count('class="image-card"') == 2
    assert "Page 1 of 2" in first


def test_the_owner_edits_descriptions_then_withdraws(
    client, contributor, submit, django_capture_on_commit_callbacks
):
    submission = submit(contributor, jpeg())
    client.force_login(contributor)

    client.post(
        f"/images/{submission.pk}/",
        {"description": "Boat race", "native_description": "ບຸນ", "native_language": "Lao (lao)"},
    )
    submission.refresh_from_db()
    assert submission.description == "Boat race"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/images/{submission.pk}/withdraw/")
    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN
    page = client.get(f"/images/{submission.pk}/").content.decode()
    assert "Withdraw this photo" not in page and "Save descriptions" not in page


def test_another_users_submission_and_its_files_are_404(client, contributor, make_user, submit):
    submission = submit(contributor, jpeg())
    client.force_login(make_user())

    assert client.get(f"/images/{submission.pk}/").status_code == 404
    assert client.post(f"/images/{submission.pk}/withdraw/").status_code == 404
    assert client.get("/images/99999999999999999999999/").status_code == 404
    assert client.post("/images/99999999999999999999999/withdraw/").status_code == 404
    for kind in ("original", "display", "thumbnail"):
        assert client.get(f"/images/{submission.key}/{kind}/").status_code == 404
    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW


def test_files_are_served_to_owner_annotators_and_organizers_with_safe_headers(
    client, contributor, make_user, submit
):
    submission = submit(contributor, SimpleUploadedFile('my "photo"\r\n.jpg', jpeg()))

    for user in (contributor, make_user(roles=(ANNOTATOR,)), make_user(roles=(ORGANIZER,))):
        client.force_login(user)
        response = client.get(f"/images/{submission.key}/original/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert (
            "\r" not in response["Content-Disposition"] and '"photo"' not in response["Content-Disposition"]
        )
        assert response.getvalue()[:3] == b"\xff\xd8\xff"
    assert client.get(f"/images/{submission.key}/thumbnail/")["Content-Type"] == "image/webp"
    assert client.get(f"/images/{submission.key}/secret/").status_code == 404
    client.logout()
    assert client.get(f"/images/{submission.key}/original/").status_code == 302  # to the login page


def test_the_plain_form_refuses_a_too_large_body_with_413_before_reading_it(client, contributor):
    client.force_login(contributor)

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body of a too large upload was read")

        readline = read

    response = client.generic(
        "POST",
        "/images/new/",
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(30 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    assert "25 MB" in response.content.decode()


def test_finalizing_an_upload_that_never_arrived_says_so(client, contributor):
    client.force_login(contributor)
    ticket = client.post("/images/uploads/ticket/").json()

    response = client.post("/images/uploads/finalize/", {**page_form(), "ticket": ticket["ticket"]})

    assert response.status_code == 400
    assert "did not arrive" in response.json()["errors"]["image"][0]


def test_withdrawing_twice_says_the_image_is_already_withdrawn(
    client, contributor, submit, django_capture_on_commit_callbacks
):
    submission = submit(contributor, jpeg())
    client.force_login(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/images/{submission.pk}/withdraw/")

    page = client.post(f"/images/{submission.pk}/withdraw/", follow=True).content.decode()

    assert "This image is already withdrawn." in page
    assert "already decided" not in page


@pytest.mark.parametrize(
    ("language", "expected", "not_expected"),
    [("zh-hans", "2026年11月26日", "26 Nov 2026"), ("en", "Nov. 26, 2026", "26 Nov 2026")],
)
def test_dates_follow_the_readers_language(
    client, contributor, submit, settings, language, expected, not_expected
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    submission = submit(contributor, jpeg())
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    ImageSubmission.objects.filter(pk=submission.pk).update(created_at=moment)
    client.force_login(contributor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for url in ("/images/", f"/images/{submission.pk}/"):
        page = client.get(url).content.decode()
        assert expected in page and not_expected not in page, url


def test_every_page_has_a_tiny_favicon_and_favicon_ico_is_not_a_404(client, contributor):
    client.force_login(contributor)
    page = client.get("/images/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page

    response = client.get("/favicon.ico", follow=True)

    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"<svg") and len(body) < 1024
    client.logout()
    assert client.get("/favicon.ico").status_code == 302  # for anyone, signed in or not
