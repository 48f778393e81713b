import pytest
from django.urls import reverse

from accounts.services import api_token_create
from review.models import Rating, ReviewDecisionLog, ReviewItem, ReviewLease

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_gold")]

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
GOOD = {"relevance": "4", "caption_fit": "yes", "quality_ok": "yes", "action": "rate"}


def bearer(user):
    _token, secret = api_token_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- role gating ---------------------------------------------------------------------------------------


def test_a_contributor_who_did_not_pass_is_sent_to_the_screening_test(
    client, contributor, make_image_in_review
):
    make_image_in_review()
    client.force_login(contributor)
    response = client.get(reverse("review:queue"))
    assert response.status_code == 302 and response.url == reverse("review:screening")
    lease = ReviewLease.objects.first()
    assert lease is None


def test_the_api_refuses_a_contributor_who_did_not_pass(client, contributor, make_image_in_review):
    submission = make_image_in_review()
    response = client.get("/api/v1/review/next", **bearer(contributor))
    assert response.status_code == 403
    assert response.json()["detail"] == "Pass the screening test to review images."
    response = client.post(
        "/api/v1/review/items/00000000-0000-0000-0000-000000000000/ratings",
        {"relevance": 4, "caption_fit": True, "quality_ok": True},
        content_type="application/json",
        **bearer(contributor),
    )
    assert response.status_code == 403
    assert not Rating.objects.filter(item_id=submission.pk).exists()


def test_organizer_pages_are_for_organizers_only(client, make_annotator):
    client.force_login(make_annotator())
    for name in [
        "organizer-annotators",
        "organizer-agreement",
        "organizer-adjudication",
        "organizer-paused",
        "organizer-log",
        "organizer-decided",
    ]:
        assert client.get(reverse(f"review:{name}")).status_code == 403


def test_an_annotator_never_sees_expected_answers_of_a_gold_item(
    client, settings, make_annotator, make_screening_item
):
    settings.REVIEW_GOLD_RATE = 1
    gold = make_screening_item(explanation="The secret explanation", relevance=2, fits=False, quality=False)
    annotator = make_annotator()
    client.force_login(annotator)
    page = client.get(reverse("review:queue")).content.decode()
    assert gold.description in page
    assert "The secret explanation" not in page and "expected" not in page.lower()
    response = client.get("/api/v1/review/next", **bearer(annotator))
    body = response.json()
    assert body["item"]["description"] == gold.description
    assert "expected" not in response.content.decode() and "explanation" not in response.content.decode()


# --- the rating page -----------------------------------------------------------------------------------


def test_rating_with_fetch_answers_the_next_item_as_a_fragment(client, make_annotator, make_image_in_review):
    first = make_image_in_review(age_minutes=10, description="First image")
    make_image_in_review(description="Second image")
    annotator = make_annotator()
    client.force_login(annotator)
    page = client.get(reverse("review:queue")).content.decode()
    assert "First image" in page and 'id="review-root"' in page and "js/review.js" in page
    lease = ReviewLease.objects.get(annotator=annotator)
    response = client.post(reverse("review:answer", args=[lease.key]), GOOD, **FETCH)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "Second image" in fragment and "<html" not in fragment
    assert "Thank you, your rating is saved." in fragment
    rating = Rating.objects.get(annotator=annotator)
    assert (rating.item_id, rating.relevance, rating.caption_fit, rating.quality_ok) == (
        first.pk,
        4,
        True,
        True,
    )


def test_without_javascript_the_form_posts_and_redirects(client, make_annotator, make_image_in_review):
    make_image_in_review()
    annotator = make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    response = client.post(reverse("review:answer", args=[lease.key]), GOOD)
    assert response.status_code == 302 and response.url == reverse("review:queue")
    assert "Nothing to rate right now" in client.get(response.url).content.decode()


def test_a_missing_answer_is_shown_on_the_same_item(client, make_annotator, make_image_in_review):
    make_image_in_review(description="Only image")
    annotator = make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    response = client.post(
        reverse("review:answer", args=[lease.key]), {"relevance": "4", "caption_fit": "yes"}, **FETCH
    )
    assert response.status_code == 400
    fragment = response.content.decode()
    assert "Say whether the image quality is acceptable." in fragment and "Only image" in fragment
    assert 'value="4" checked' in fragment
    assert not Rating.objects.exists()


def test_skip_by_button(client, make_annotator, make_image_in_review):
    submission = make_image_in_review()
    annotator = make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    client.post(reverse("review:answer", args=[lease.key]), {"action": "skip"}, **FETCH)
    rating = Rating.objects.get(annotator=annotator)
    assert rating.skipped and rating.item_id == submission.pk and not rating.counted


def test_the_page_shows_the_blur_notice_both_descriptions_countries_and_location(
    client, make_annotator, make_image_in_review
):
    make_image_in_review(
        countries=("TH", "LA"), blur_flagged=True, location="Luang Prabang", native_description="ເຂົ້າໜຽວ"
    )
    client.force_login(make_annotator())
    page = client.get(reverse("review:queue")).content.decode()
    assert "borderline blurry" in page and "Luang Prabang" in page and "ເຂົ້າໜຽວ" in page
    assert "Laos, Thailand" in page
    lease = ReviewLease.objects.get()
    assert f'src="/review/served/{lease.key}/image/"' in page


def test_the_page_says_until_when_the_item_is_kept_with_the_time_zone(
    client, make_annotator, make_image_in_review
):
    from django.utils import timezone

    make_image_in_review()
    client.force_login(make_annotator())
    page = client.get(reverse("review:queue")).content.decode()
    until = timezone.localtime(ReviewLease.objects.get().expires_at)
    # As the other pages write a time (the leaderboard's "H:i T"): Asia/Jakarta is WIB.
    assert f"This image is kept for you until {until:%H:%M} WIB." in page


def test_the_served_image_is_only_for_its_annotator(client, make_annotator, make_image_in_review, organizer):
    submission = make_image_in_review()
    annotator, other = make_annotator(), make_annotator()
    client.force_login(annotator)
    client.get(reverse("review:queue"))
    lease = ReviewLease.objects.get(annotator=annotator)
    url = reverse("review:served-image", args=[lease.key])
    response = client.get(url)
    # The check's display copy (WebP), as annotators are served it.
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content) == submission.display.open("rb").read()
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(url, **bearer(annotator)).status_code == 200
    client.force_login(organizer)
    assert client.get(url).status_code == 200


def test_screening_images_are_only_for_the_test_taker(
    client, contributor, make_user, make_screening_item, settings
):
    from review.screening import screening_attempt_start

    settings.REVIEW_SCREENING_ITEMS = 2
    make_screening_item()
    make_screening_item()
    attempt = screening_attempt_start(user=contributor, country_codes=["TH"])
    url = reverse("review:screening-image", args=[attempt.pk, 0])
    client.force_login(contributor)
    assert client.get(url).status_code == 200
    client.force_login(make_user())
    assert client.get(url).status_code == 404


# --- the API -------------------------------------------------------------------------------------------


def test_the_api_serves_and_records_ratings(client, make_annotator, make_image_in_review):
    submission = make_image_in_review()
    annotator = make_annotator()
    headers = bearer(annotator)
    body = client.get("/api/v1/review/next", **headers).json()
    item = body["item"]
    assert item["country_codes"] == ["TH"] and item["image_url"].startswith("http")
    response = client.post(
        f"/api/v1/review/items/{item['id']}/ratings",
        {"relevance": 5, "caption_fit": True, "quality_ok": False},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200 and response.json() == {"counted": True, "next": None}
    assert Rating.objects.get(item_id=submission.pk).relevance == 5
    again = client.post(
        f"/api/v1/review/items/{item['id']}/ratings",
        {"relevance": 1, "caption_fit": True, "quality_ok": False},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409


def test_the_api_explains_missing_answers(client, make_annotator, make_image_in_review):
    make_image_in_review()
    headers = bearer(make_annotator())
    item = client.get("/api/v1/review/next", **headers).json()["item"]
    response = client.post(
        f"/api/v1/review/items/{item['id']}/ratings",
        {"relevance": 3},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"caption_fit": ["Say whether the description fits the image."]}


# --- organizer pages -----------------------------------------------------------------------------------


@pytest.fixture
def busy_review(make_annotator, make_image_in_review, rate):
    """Three annotators, two decided images, one waiting for adjudication."""
    annotators = [make_annotator(countries=("TH", "LA")) for _ in range(3)]
    for _ in range(2):
        submission = make_image_in_review()
        for annotator in annotators:
            rate(annotator, submission)
    flagged = make_image_in_review()
    for i, annotator in enumerate(annotators):
        rate(annotator, flagged, flag="watermark" if i == 0 else "", note="logo" if i == 0 else "")
    return annotators, flagged


def test_the_annotators_page_lists_counts_in_a_fixed_number_of_queries(
    client, organizer, busy_review, django_assert_num_queries, make_annotator
):
    client.force_login(organizer)
    client.get(reverse("review:organizer-annotators"))  # warm the session and role caches
    with django_assert_num_queries(7):
        page = client.get(reverse("review:organizer-annotators")).content.decode()
    make_annotator(countries=("ID",))
    with django_assert_num_queries(7):
        page = client.get(reverse("review:organizer-annotators")).content.decode()
    assert "Laos, Thailand" in page and "Indonesia" in page
    assert "100% <small>(2/2)</small>" in page  # agreement with consensus


def test_adjudication_list_and_decision(client, organizer, busy_review, django_assert_num_queries):
    _annotators, flagged = busy_review
    client.force_login(organizer)
    client.get(reverse("review:organizer-adjudication"))
    with django_assert_num_queries(8):
        page = client.get(reverse("review:organizer-adjudication")).content.decode()
    assert "a problem was flagged" in page and "logo" in page and "Countries: Thailand" in page
    response = client.post(
        reverse("review:organizer-adjudicate", args=[flagged.pk]),
        {"decision": "reject", "reason": "Stock photo", "upheld_flag": "watermark"},
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == "rejected" and flagged.rejection_reasons[0]["code"] == "watermark"
    assert ReviewDecisionLog.objects.filter(action="adjudicate_reject", actor=organizer).exists()


def test_reopen_and_the_decision_log_pages(client, organizer, busy_review, django_assert_num_queries):
    client.force_login(organizer)
    client.get(reverse("review:organizer-decided"))
    with django_assert_num_queries(6):
        page = client.get(reverse("review:organizer-decided")).content.decode()
    item = ReviewItem.objects.filter(state="decided").first()
    assert item.submission.description in page
    client.post(reverse("review:organizer-reopen", args=[item.pk]), {"reason": "A second look"})
    item.refresh_from_db()
    assert item.state == "open"
    with django_assert_num_queries(6):
        log = client.get(reverse("review:organizer-log")).content.decode()
    assert "A second look" in log and "Reopened an item" in log


def test_paused_page_and_reinstatement(client, organizer, make_annotator, django_assert_num_queries):
    from review.gold import annotator_pause

    annotator = make_annotator()
    annotator_pause(user=annotator, actor=None, reason="Gold accuracy 40% over the last 10 gold items.")
    client.force_login(organizer)
    client.get(reverse("review:organizer-paused"))
    with django_assert_num_queries(6):
        page = client.get(reverse("review:organizer-paused")).content.decode()
    assert "Gold accuracy 40%" in page
    client.post(reverse("review:organizer-reinstate", args=[annotator.pk]), {"reason": ""})
    assert "Gold accuracy 40%" in client.get(reverse("review:organizer-paused")).content.decode()
    client.post(reverse("review:organizer-reinstate", args=[annotator.pk]), {"reason": "Checked"})
    assert "No annotator is paused." in client.get(reverse("review:organizer-paused")).content.decode()


def test_agreement_page(client, organizer, busy_review):
    client.force_login(organizer)
    page = client.get(reverse("review:organizer-agreement")).content.decode()
    assert "All countries" in page and "Thailand" in page


def test_a_closed_task_2_says_one_thing_on_the_rating_page(client, make_annotator, make_image_in_review):
    from campaign.models import Task
    from campaign.services import tasks_set_status

    make_image_in_review()
    tasks_set_status(numbers=[2], status=Task.Status.CLOSED)
    client.force_login(make_annotator())

    page = client.get(reverse("review:queue")).content.decode()

    assert "Task 2 is closed" in page and "Rating is closed" in page
    assert "Come back later" not in page and "Nothing to rate right now" not in page
    assert page.count("Task 2 is closed") == 1
