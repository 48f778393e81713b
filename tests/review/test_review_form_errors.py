"""Where a refusal shows on Task 2's pages: on the field it is about when the form has that field (the
rating form, the screening form), on top of the form or as a message otherwise; and the pages that look
something up answer 404 when there is nothing to find."""

import uuid

import pytest
from django.urls import reverse

from review.models import Rating, ReviewDecisionLog, ReviewLease, ScreeningAttempt
from review.screening import screening_attempt_start, screening_attempt_submit
from review.types import Answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def test_too_small_a_pool_is_shown_on_the_countries_field(client, contributor, make_screening_item, settings):
    settings.REVIEW_SCREENING_ITEMS = 10
    make_screening_item(countries=("KH",))
    client.force_login(contributor)
    response = client.post(reverse("review:screening"), {"countries": ["KH"]})
    assert response.status_code == 200
    message = "There are not enough screening items for these countries yet. Please try again later."
    assert response.context["form"].errors == {"countries": [message]}
    assert f'<div class="errors" role="alert" id="id_countries_error"><p>{message}</p>' in (
        response.content.decode()
    )
    assert not ScreeningAttempt.objects.filter(user=contributor).exists()


def test_no_attempt_left_is_a_refusal_of_the_whole_screening_form(
    client, contributor, make_screening_item, settings
):
    settings.REVIEW_SCREENING_ITEMS = 1
    settings.REVIEW_SCREENING_MAX_ATTEMPTS = 1
    item = make_screening_item(countries=("TH",), relevance=5, fits=True, quality=True)
    attempt = screening_attempt_start(user=contributor, country_codes=["TH"])
    wrong = Answers(relevance=1, caption_fit=False, quality_ok=False)
    screening_attempt_submit(user=contributor, attempt_id=attempt.pk, answers={item.pk: wrong})

    client.force_login(contributor)
    response = client.post(reverse("review:screening"), {"countries": ["TH"]})
    assert response.status_code == 200
    message = "You have used all 1 attempts. An organizer can grant you another try."
    assert response.context["form"].errors == {"__all__": [message]}
    # The form is not offered any more: the page says why instead.
    page = response.content.decode()
    assert f'<p class="notice" role="status">{message}</p>' in page and "Start the test" not in page
    assert ScreeningAttempt.objects.filter(user=contributor).count() == 1


def test_a_flag_without_a_note_is_shown_on_the_note_field(client, make_annotator, make_image_in_review):
    make_image_in_review(description="Flagged image")
    annotator = make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    answers = {"relevance": "4", "caption_fit": "yes", "quality_ok": "yes", "flag": "watermark"}
    response = client.post(reverse("review:answer", args=[lease.key]), answers, **FETCH)
    assert response.status_code == 400
    assert response.context["form"].errors == {"flag_note": ["Say in a few words what the problem is."]}
    fragment = response.content.decode()
    assert '<details class="review-flag" open>' in fragment and "Flagged image" in fragment
    assert not Rating.objects.exists()


def test_an_answer_to_an_item_no_longer_yours_is_a_message_not_a_form_error(
    client, make_annotator, make_image_in_review
):
    make_image_in_review()
    client.force_login(make_annotator())
    gone = reverse("review:answer", args=[uuid.uuid4()])
    answers = {"relevance": "4", "caption_fit": "yes", "quality_ok": "yes", "action": "rate"}
    message = "This item is no longer yours to rate. Please take the next one."

    response = client.post(gone, answers, follow=True)
    assert response.redirect_chain == [(reverse("review:queue"), 302)]
    assert message in [str(m) for m in response.context["messages"]]

    response = client.post(gone, answers, **FETCH)
    assert response.status_code == 200
    assert response.context["status"] == message and not response.context["form"].errors
    assert not Rating.objects.exists()


def test_reopening_an_image_that_is_not_in_review_is_not_found(client, organizer):
    client.force_login(organizer)
    response = client.post(reverse("review:organizer-reopen", args=[987654321]), {"reason": "A second look"})
    assert response.status_code == 404
    assert not ReviewDecisionLog.objects.exists()


def test_someone_elses_screening_test_and_result_are_not_found(
    client, contributor, make_user, make_screening_item, settings
):
    settings.REVIEW_SCREENING_ITEMS = 1
    make_screening_item(countries=("TH",))
    attempt = screening_attempt_start(user=contributor, country_codes=["TH"])
    client.force_login(make_user())
    assert client.get(reverse("review:screening-test", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("review:screening-result", args=[attempt.pk])).status_code == 404
    client.force_login(contributor)
    assert client.get(reverse("review:screening-test", args=[attempt.pk])).status_code == 200
    assert client.get(reverse("review:screening-result", args=[attempt.pk])).status_code == 404  # not graded
