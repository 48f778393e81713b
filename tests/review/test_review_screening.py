import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.roles import is_annotator
from campaign.errors import NotAllowed
from review.models import AnnotatorQualification, ReviewDecisionLog, ScreeningAttempt
from review.screening import screening_attempt_start, screening_attempt_submit, screening_grant_try
from review.selectors import screening_allowance
from review.types import Answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(make_screening_item, settings):
    settings.REVIEW_SCREENING_ITEMS = 5
    settings.REVIEW_SCREENING_PASS_MARK = 0.8
    items = [make_screening_item(countries=("TH",), relevance=4, fits=True, quality=True) for _ in range(4)]
    items += [
        make_screening_item(countries=("TH", "LA"), relevance=1, fits=False, quality=False) for _ in range(2)
    ]
    make_screening_item(countries=("ID",), explanation="Never drawn for Thailand")
    return items


def right(item):
    return Answers(
        relevance=item.expected_relevance,
        caption_fit=item.expected_caption_fit,
        quality_ok=item.expected_quality_ok,
    )


def wrong(item):
    return Answers(
        relevance=5 if item.expected_relevance < 3 else 1,
        caption_fit=not item.expected_caption_fit,
        quality_ok=True,
    )


def take(user, n_wrong=0, countries=("TH",)):
    attempt = screening_attempt_start(user=user, country_codes=list(countries))
    rows = list(attempt.answers.select_related("item"))
    answers = {
        row.item_id: (wrong(row.item) if i < n_wrong else right(row.item)) for i, row in enumerate(rows)
    }
    return screening_attempt_submit(user=user, attempt_id=attempt.pk, answers=answers), rows


def test_the_test_draws_items_of_the_countries_applied_for(contributor, pool):
    attempt = screening_attempt_start(user=contributor, country_codes=["TH"])
    descriptions = set(attempt.answers.values_list("item__description", flat=True))
    assert len(descriptions) == 5
    assert all(item.countries.filter(code="TH").exists() for item in (r.item for r in attempt.answers.all()))


def test_passing_makes_an_annotator_for_those_countries(contributor, pool):
    attempt, _rows = take(contributor, n_wrong=1)  # 4 of 5 = 80%: the pass mark
    assert attempt.passed and attempt.score == pytest.approx(0.8)
    assert is_annotator(contributor)
    assert list(
        AnnotatorQualification.objects.filter(user=contributor).values_list("country_id", flat=True)
    ) == ["TH"]


def test_relevance_one_step_off_is_still_right(contributor, pool):
    attempt = screening_attempt_start(user=contributor, country_codes=["TH"])
    answers = {
        row.item_id: Answers(
            relevance=min(5, row.item.expected_relevance + 1),
            caption_fit=row.item.expected_caption_fit,
            quality_ok=row.item.expected_quality_ok,
        )
        for row in attempt.answers.select_related("item")
    }
    assert screening_attempt_submit(user=contributor, attempt_id=attempt.pk, answers=answers).passed


def test_failing_shows_the_wrong_items_with_why(client, contributor, pool):
    attempt, rows = take(contributor, n_wrong=2)
    assert attempt.passed is False and not is_annotator(contributor)
    client.force_login(contributor)
    page = client.get(reverse("review:screening-result", args=[attempt.pk])).content.decode()
    assert "Not passed: 3 of 5 correct." in page
    for row in rows[:2]:
        assert row.item.explanation in page
    for row in rows[2:]:
        assert row.item.explanation not in page


def test_a_failed_test_can_be_retaken_after_the_cooldown_only(contributor, pool):
    attempt, _rows = take(contributor, n_wrong=3)
    with pytest.raises(NotAllowed, match="You can take the test again after"):
        screening_attempt_start(user=contributor, country_codes=["TH"])
    ScreeningAttempt.objects.filter(pk=attempt.pk).update(
        submitted_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert screening_attempt_start(user=contributor, country_codes=["TH"]).pk != attempt.pk


def test_at_most_three_attempts_then_an_organizer_grants_another(contributor, organizer, pool):
    for _ in range(3):
        attempt, _rows = take(contributor, n_wrong=3)
        ScreeningAttempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() - timedelta(days=2))
    allowance = screening_allowance(user=contributor)
    assert not allowance.can_start and "used all 3 attempts" in allowance.message
    with pytest.raises(NotAllowed):
        screening_attempt_start(user=contributor, country_codes=["TH"])
    screening_grant_try(organizer=organizer, user_id=contributor.pk, reason="Had a bad connection")
    attempt, _rows = take(contributor)
    assert attempt.passed
    log = ReviewDecisionLog.objects.get(action="grant_try")
    assert (log.actor, log.subject_user, log.reason) == (organizer, contributor, "Had a bad connection")


def test_a_granted_try_skips_the_cooldown(contributor, organizer, pool):
    take(contributor, n_wrong=3)
    screening_grant_try(organizer=organizer, user_id=contributor.pk, reason="Retry now")
    assert screening_allowance(user=contributor).can_start


def test_an_unfinished_test_is_resumed_not_redrawn(contributor, pool):
    first = screening_attempt_start(user=contributor, country_codes=["TH"])
    assert screening_attempt_start(user=contributor, country_codes=["TH"]).pk == first.pk


def test_a_test_is_graded_once(contributor, pool):
    from campaign.errors import Conflict

    attempt, rows = take(contributor)
    with pytest.raises(Conflict):
        screening_attempt_submit(
            user=contributor, attempt_id=attempt.pk, answers={r.item_id: right(r.item) for r in rows}
        )


def test_too_small_a_pool_is_explained(contributor, make_screening_item, settings):
    from campaign.errors import DomainError

    settings.REVIEW_SCREENING_ITEMS = 10
    make_screening_item(countries=("KH",))
    with pytest.raises(DomainError, match="not enough screening items"):
        screening_attempt_start(user=contributor, country_codes=["KH"])


def test_the_expected_answers_never_reach_the_page_before_submitting(client, contributor, pool):
    client.force_login(contributor)
    response = client.post(reverse("review:screening"), {"countries": ["TH"]})
    attempt = ScreeningAttempt.objects.get(user=contributor)
    assert response.url == reverse("review:screening-test", args=[attempt.pk])
    page = client.get(response.url).content.decode()
    assert page.count('name="relevance-') == 25  # 5 items, 5 choices each
    for item in pool:
        assert item.explanation not in page
    assert "expected" not in page.lower()
    # The result page is not reachable before the test is submitted.
    assert client.get(reverse("review:screening-result", args=[attempt.pk])).status_code == 404


def test_the_test_page_keeps_answers_and_asks_for_the_missing_ones(client, contributor, pool):
    client.force_login(contributor)
    client.post(reverse("review:screening"), {"countries": ["TH"]})
    attempt = ScreeningAttempt.objects.get(user=contributor)
    first = attempt.answers.order_by("position").first()
    response = client.post(
        reverse("review:screening-test", args=[attempt.pk]), {f"relevance-{first.item_id}": "4"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please answer all three questions for image 1." in page
    assert f'name="relevance-{first.item_id}" value="4" checked' in page


def test_the_whole_test_through_the_pages(client, contributor, pool):
    client.force_login(contributor)
    client.post(reverse("review:screening"), {"countries": ["TH"]})
    attempt = ScreeningAttempt.objects.get(user=contributor)
    data = {}
    for row in attempt.answers.select_related("item"):
        data[f"relevance-{row.item_id}"] = str(row.item.expected_relevance)
        data[f"caption_fit-{row.item_id}"] = "yes" if row.item.expected_caption_fit else "no"
        data[f"quality_ok-{row.item_id}"] = "yes" if row.item.expected_quality_ok else "no"
    response = client.post(reverse("review:screening-test", args=[attempt.pk]), data, follow=True)
    assert "Passed: 5 of 5 correct." in response.content.decode()
    assert client.get(reverse("review:queue")).status_code == 200


# --- retakes and what the result page shows --------------------------------------------------------------


def fail_and_wait(user, n_wrong=3):
    attempt, rows = take(user, n_wrong=n_wrong)
    ScreeningAttempt.objects.filter(pk=attempt.pk).update(
        submitted_at=timezone.now() - timedelta(days=2), started_at=F("started_at") - timedelta(days=2)
    )
    return {row.item_id for row in rows}


def test_a_retake_draws_items_not_seen_before_then_the_least_recently_seen(
    contributor, organizer, make_screening_item, settings
):
    settings.REVIEW_SCREENING_ITEMS = 5
    for _ in range(12):
        make_screening_item(countries=("TH",))
    first = fail_and_wait(contributor)
    ScreeningAttempt.objects.filter(user=contributor).update(started_at=timezone.now() - timedelta(days=9))
    second = fail_and_wait(contributor)
    assert not first & second  # a fresh test while the pool allows
    third = fail_and_wait(contributor)
    # Only 2 items were never shown: the other 3 are taken from the first attempt (seen longest ago).
    assert not third & second and len(third - first) == 2 and len(third & first) == 3
    screening_grant_try(organizer=organizer, user_id=contributor.pk, reason="One more")
    fourth = fail_and_wait(contributor)
    assert fourth <= (first - third) | second and len(fourth & second) == 3


def test_the_result_page_shows_why_but_never_the_expected_answers(
    client, contributor, make_screening_item, settings
):
    settings.REVIEW_SCREENING_ITEMS = 4
    gold = [
        make_screening_item(gold=True, relevance=1, fits=False, quality=False, explanation=f"Gold lesson {i}")
        for i in range(2)
    ]
    practice = [
        make_screening_item(
            gold=False, relevance=1, fits=False, quality=False, explanation=f"Practice lesson {i}"
        )
        for i in range(2)
    ]
    attempt, _rows = take(contributor, n_wrong=4)  # every answer wrong: all four items are listed
    client.force_login(contributor)
    page = client.get(reverse("review:screening-result", args=[attempt.pk])).content.decode()
    sections = dict(
        re.findall(r'<section class="screening-item" data-item="(\d+)">(.*?)</section>', page, re.S)
    )
    assert len(sections) == 4
    for item in gold + practice:
        shown = sections[str(item.pk)]
        assert item.explanation in shown  # still learnt from, with the answers given
        assert (
            "Your answers: relevance 5, the description fits: yes, the quality is acceptable: yes." in shown
        )
        assert "expected" not in shown.lower()
    # Every missed item is shown alike, so the page does not tell which ones are gold items either.
    assert len({re.sub(r"\d+|Gold|Practice", "", shown) for shown in sections.values()}) == 1
    assert "We do not show the expected answers" in page


def test_granting_tries_in_the_admin_says_contributor_or_contributors(
    client, make_user, pool, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    attempts = [take(user, n_wrong=3)[0] for user in (make_user(), make_user())]
    client.force_login(admin)
    url = reverse("admin:review_screeningattempt_changelist")
    once = {"action": "grant_another_try", "_selected_action": [attempts[0].pk]}
    page = client.post(url, once, follow=True).content.decode()
    assert "1 contributor can take the test again." in page and "1 contributors" not in page
    both = {"action": "grant_another_try", "_selected_action": [a.pk for a in attempts]}
    assert "2 contributors can take the test again." in client.post(url, both, follow=True).content.decode()
