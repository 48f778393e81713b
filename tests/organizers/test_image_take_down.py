"""Organizers find a Task 1 image in the admin and take it down: points back, files gone, out of the
dataset export, audited; contributors cannot, and a second take-down changes nothing."""

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db.models import Sum
from test_dataset_export import image_table, run_export

from contributions.models import ImageSubmission
from contributions.removal import image_submission_take_down
from organizers.models import AuditEvent
from points.models import LedgerEntry

pytestmark = pytest.mark.django_db

REASON = "Personal-data request: a face of a passer-by"


def points_of(user) -> Decimal:
    return LedgerEntry.objects.filter(contributor=user).aggregate(total=Sum("points"))["total"] or Decimal(0)


def take_down_in_admin(client, ids, reason=REASON):
    return client.post(
        "/admin/contributions/imagesubmission/",
        {"action": "take_down", "_selected_action": [str(pk) for pk in ids], "reason": reason},
    )


def test_organizers_list_search_and_view_images_read_only(client, admin_user, submit_image):
    image = submit_image(countries=("TH",), description="Monks collecting alms at dawn")
    other = submit_image(countries=("VN",))
    client.force_login(admin_user)

    listing = client.get("/admin/contributions/imagesubmission/")
    assert listing.status_code == 200
    assert f"/images/{image.key}/thumbnail/" in listing.content.decode()  # the permission-checked view

    for query in (image.contributor.email, "alms"):
        found = client.get("/admin/contributions/imagesubmission/", {"q": query})
        assert list(found.context["cl"].result_list) == [image], query
    # By id: the image itself (an email or description holding the same digits may come too).
    found = client.get("/admin/contributions/imagesubmission/", {"q": str(image.pk)})
    assert image in found.context["cl"].result_list
    assert client.get("/admin/contributions/imagesubmission/", {"q": "not-a-number"}).status_code == 200
    by_country = client.get("/admin/contributions/imagesubmission/", {"countries__code__exact": "VN"})
    assert list(by_country.context["cl"].result_list) == [other]
    by_status = client.get("/admin/contributions/imagesubmission/", {"status__exact": "in_review"})
    assert list(by_status.context["cl"].result_list) == []

    page = client.get(f"/admin/contributions/imagesubmission/{image.pk}/change/")
    assert page.status_code == 200 and "Monks collecting alms at dawn" in page.content.decode()
    assert f"/images/{image.key}/display/" in page.content.decode()
    assert 'name="description"' not in page.content.decode()  # nothing editable
    client.post(
        f"/admin/contributions/imagesubmission/{image.pk}/change/", {"description": "changed by an organizer"}
    )
    image.refresh_from_db()
    assert image.description == "Monks collecting alms at dawn"
    assert client.post(f"/admin/contributions/imagesubmission/{image.pk}/delete/").status_code == 403


def test_take_down_of_an_accepted_image_takes_back_points_files_and_export(
    client, admin_user, organizer, submit_image, django_capture_on_commit_callbacks
):
    image = submit_image(countries=("ID",))
    kept = submit_image(countries=("ID",))
    assert image.status == ImageSubmission.Status.ACCEPTED
    earned = points_of(image.contributor)
    assert earned > 0
    names = [image.original.name, image.display.name, image.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = take_down_in_admin(client, [image.pk])

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.status == ImageSubmission.Status.REMOVED
    assert image.removal_reason == REASON and image.removed_at is not None
    assert points_of(image.contributor) == 0
    reversal = LedgerEntry.objects.get(contributor=image.contributor, kind=LedgerEntry.Kind.REVERSAL)
    assert reversal.points == -earned and reversal.reason == REASON
    assert not any(default_storage.exists(name) for name in names)
    assert not (image.original.name or image.display.name or image.thumbnail.name)
    event = AuditEvent.objects.get(action="image.take_down")
    assert event.actor == admin_user and event.target_id == str(image.pk)
    assert event.details["reason"] == REASON and event.details["status_before"] == "accepted"
    # The file view has nothing to show any more, even to organizers.
    assert client.get(f"/images/{image.key}/display/").status_code == 404

    export = run_export(organizer, tasks=[1])
    table, _shards = image_table(export)
    assert [row["id"] for row in table.to_pylist()] == [kept.pk]


def test_a_second_take_down_changes_nothing(organizer, submit_image, django_capture_on_commit_callbacks):
    from contributions.signals import image_removed

    heard = []

    def receiver(sender, submission_id, **kwargs):
        heard.append(submission_id)

    image_removed.connect(receiver)
    image = submit_image(countries=("MY",))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _removed, changed = image_submission_take_down(
                submission_id=image.pk, actor=organizer, reason=REASON
            )
        assert changed
        with django_capture_on_commit_callbacks(execute=True):
            again, changed = image_submission_take_down(
                submission_id=image.pk, actor=organizer, reason="another reason"
            )
    finally:
        image_removed.disconnect(receiver)

    assert heard == [image.pk]  # announced once, after the first take-down committed
    assert not changed and again.removal_reason == REASON
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).count() == 1
    assert AuditEvent.objects.filter(action="image.take_down").count() == 1


def test_an_image_in_review_is_taken_down_without_points_and_leaves_the_review_queue(
    organizer, submit_image, django_capture_on_commit_callbacks
):
    from review.models import ReviewItem
    from review.queue import review_item_open, review_items_close_stale

    image = submit_image(countries=("PH",), status="in_review")
    review_item_open(submission_id=image.pk)
    with django_capture_on_commit_callbacks(execute=True):
        image_submission_take_down(submission_id=image.pk, actor=organizer, reason=REASON)

    assert not LedgerEntry.objects.filter(source_id=image.pk).exists()
    review_items_close_stale()
    assert ReviewItem.objects.get(pk=image.pk).state == ReviewItem.State.CLOSED


def test_contributors_cannot_take_an_image_down(client, make_user, submit_image):
    from campaign.errors import NotAllowed

    image = submit_image(countries=("SG",))
    contributor = image.contributor
    with pytest.raises(NotAllowed):
        image_submission_take_down(submission_id=image.pk, actor=contributor, reason=REASON)

    client.force_login(contributor)
    response = take_down_in_admin(client, [image.pk])
    assert response.status_code == 302 and "/login/" in response["Location"]
    contributor.is_staff = True  # even a staff account without the organizer role
    contributor.save(update_fields=["is_staff"])
    take_down_in_admin(client, [image.pk])

    image.refresh_from_db()
    assert image.status == ImageSubmission.Status.ACCEPTED
    assert default_storage.exists(image.original.name)


def test_a_take_down_needs_a_reason(client, admin_user, submit_image):
    image = submit_image(countries=("BN",))
    client.force_login(admin_user)
    response = take_down_in_admin(client, [image.pk], reason="  ")
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.status == ImageSubmission.Status.ACCEPTED


def test_a_taken_down_image_leaves_task_4s_pool(organizer, submit_image, django_capture_on_commit_callbacks):
    from texttasks.models import PoolImage
    from texttasks.pool import pool_add_accepted_images

    image = submit_image(countries=("LA",))
    kept = submit_image(countries=("LA",))
    assert pool_add_accepted_images() == 2

    with django_capture_on_commit_callbacks(execute=True):
        image_submission_take_down(submission_id=image.pk, actor=organizer, reason=REASON)

    assert list(PoolImage.objects.filter(active=True).values_list("image_submission_id", flat=True)) == [
        kept.pk
    ]
    assert pool_add_accepted_images() == 0  # not put back: it is no longer accepted


def test_the_contributor_sees_that_and_why_their_image_was_taken_down(
    client, organizer, submit_image, django_capture_on_commit_callbacks
):
    image = submit_image(countries=("TH",))
    with django_capture_on_commit_callbacks(execute=True):
        image_submission_take_down(submission_id=image.pk, actor=organizer, reason=REASON)
    client.force_login(image.contributor)

    page = client.get(f"/images/{image.pk}/").content.decode()

    assert "This image was removed by the organizers." in page and REASON in page
