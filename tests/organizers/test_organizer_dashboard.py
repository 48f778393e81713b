import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db


def cell(html: str, country: str, task: int, column: str) -> int:
    row = re.search(rf'<tr[^>]*data-country="{country}" data-task="{task}">(.*?)</tr>', html, re.S).group(1)
    return int(re.search(rf'data-col="{column}">(\d+)<', row).group(1))


def test_counts_per_country_and_status_match_the_seeded_data(client, organizer, make_user, submit_image):
    laos, thai = make_user(country="LA"), make_user(country="TH")
    submit_image(laos, countries=("LA",), status="accepted")
    submit_image(laos, countries=("LA", "TH"), status="accepted")
    submit_image(laos, countries=("LA",), status="rejected")
    submit_image(thai, countries=("TH",), status="in_review")
    submit_image(thai, countries=("TH",), status="pending")
    submit_image(thai, countries=("TH",), status="withdrawn")  # not counted anywhere
    client.force_login(organizer)

    html = client.get("/organizers/").content.decode()

    assert cell(html, "LA", 1, "submitted") == 3
    assert cell(html, "LA", 1, "accepted") == 2
    assert cell(html, "LA", 1, "rejected") == 1
    assert cell(html, "TH", 1, "submitted") == 3
    assert cell(html, "TH", 1, "accepted") == 1
    assert cell(html, "TH", 1, "in_review") == 1
    assert cell(html, "TH", 1, "pending") == 1
    assert cell(html, "ID", 1, "submitted") == 0
    # The five underrepresented countries come first and are marked.
    order = re.findall(r'data-country="([A-Z]{2})" data-task="1"', html)
    assert order[:5] == ["BN", "KH", "TL", "LA", "MM"]
    assert len(re.findall(r'class="underrepresented" data-country="[A-Z]{2}" data-task="1"', html)) == 5
    assert 'data-backlog="in_review">1<' in html and 'data-backlog="pending">1<' in html


def test_text_tasks_and_translation_coverage_match_the_seeded_data(client, organizer, text_contributions):
    client.force_login(organizer)

    response = client.get("/organizers/")

    html = response.content.decode()
    # Lao translations: one accepted, one rejected, one waiting; a draft is not submitted.
    assert cell(html, "LA", 3, "submitted") == 3
    assert cell(html, "LA", 3, "accepted") == 1
    assert cell(html, "LA", 3, "rejected") == 1
    assert cell(html, "LA", 3, "in_review") == 1
    assert cell(html, "TH", 4, "accepted") == 1
    assert cell(html, "KH", 5, "accepted") == 3
    coverage = {row.code: row for row in response.context["dashboard"].coverage}
    # Prompt 0 has an accepted translation; prompt 1's is rejected and another still pending (not yet
    # translated, issue 15); prompt 2 has only a draft.
    assert (coverage["lao"].prompts_done, coverage["lao"].prompts_total) == (1, 3)
    assert (coverage["lao"].translators, coverage["lao"].translators_needed) == (2, 3)
    assert (coverage["khm"].prompts_done, coverage["khm"].translators) == (0, 0)
    assert 'data-chart="coverage"' in html and 'data-chart="translators"' in html
    # This week: the image's contributor, three annotators, translators, asker and writer were active.
    assert response.context["dashboard"].active_weekly[-1].values["contributors"] == 1 + 3 + 2 + 1 + 1


def test_weekly_series_and_active_contributors(client, organizer, make_user, submit_image):
    first, second = make_user(), make_user()
    submit_image(first, created_days_ago=14)
    submit_image(first, created_days_ago=14)
    submit_image(second, created_days_ago=14)
    submit_image(first, created_days_ago=0)
    client.force_login(organizer)

    response = client.get("/organizers/")

    dashboard = response.context["dashboard"]
    assert [row.values["task1"] for row in dashboard.weekly_submissions] == [3, 1]
    # The three annotators rated everything this week (when the images were decided).
    assert [row.values["contributors"] for row in dashboard.active_weekly] == [2, 1 + 3]
    decided = sum(row.values["decided"] for row in dashboard.review_weekly)
    assert decided == 4 and dashboard.review_weekly[-1].values["backlog"] == 0
    html = response.content.decode()
    assert html.count('<svg class="chart"') >= 4
    assert 'data-chart="weekly"' in html and 'data-chart="active"' in html


def test_the_dashboard_costs_the_same_queries_for_more_data(client, organizer, make_user, submit_image):
    client.force_login(organizer)
    submit_image(countries=("LA",))
    client.get("/organizers/")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get("/organizers/")
    for days in range(0, 60, 5):
        submit_image(make_user(), countries=("KH", "VN"), created_days_ago=days, status="in_review")
    ImageSubmission.objects.update(decided_at=timezone.now() - timedelta(days=1))

    with CaptureQueriesContext(connection) as large:
        response = client.get("/organizers/")

    assert response.status_code == 200
    assert len(large) == len(small)


def test_dashboard_query_count(client, organizer, submit_image, django_assert_num_queries):
    submit_image()
    client.force_login(organizer)
    client.get("/organizers/")

    # The request's own (session, user, roles, profile for the menu), then one GROUP BY per figure and
    # task: counts per country and status, submissions per week, ratings and decisions per week, the
    # backlog, active contributors (one UNION), translation coverage.
    with django_assert_num_queries(QUERIES):
        client.get("/organizers/")


QUERIES = 23


@pytest.mark.parametrize("url", ["/organizers/", "/organizers/exports/", "/organizers/audit/"])
def test_only_organizers_see_the_organizer_pages(client, contributor, make_user, url):
    from accounts.roles import ANNOTATOR

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(contributor)
    assert client.get(url).status_code == 403
    client.force_login(make_user(roles=(ANNOTATOR,)))
    assert client.get(url).status_code == 403


def test_organizer_sees_the_link_in_the_menu(client, organizer, contributor):
    client.force_login(contributor)
    assert "/organizers/" not in client.get("/").content.decode()
    client.force_login(organizer)
    assert 'href="/organizers/"' in client.get("/").content.decode()


def test_the_dashboard_is_cached_and_recomputed_on_request(client, organizer, submit_image, settings):
    settings.ORGANIZERS_DASHBOARD_CACHE_SECONDS = 300
    client.force_login(organizer)
    submit_image(countries=("LA",))
    assert cell(client.get("/organizers/").content.decode(), "LA", 1, "accepted") == 1

    submit_image(countries=("LA",))

    assert cell(client.get("/organizers/").content.decode(), "LA", 1, "accepted") == 1  # as computed
    assert cell(client.get("/organizers/?refresh=1").content.decode(), "LA", 1, "accepted") == 2
    assert cell(client.get("/organizers/").content.decode(), "LA", 1, "accepted") == 2


def test_one_cached_dashboard_reads_in_each_organizers_language(client, organizer, submit_image, settings):
    from django.utils import translation

    settings.ORGANIZERS_DASHBOARD_CACHE_SECONDS = 300
    submit_image(countries=("LA",))
    client.force_login(organizer)
    with translation.override("th"):
        laos_in_thai = translation.gettext("Laos")
    assert laos_in_thai != "Laos", "the Thai catalog names Laos"

    english = client.get("/organizers/").content.decode()  # computes and caches
    client.cookies["django_language"] = "th"
    thai = client.get("/organizers/").content.decode()  # from the cache

    assert '<th scope="row">Laos' in english
    assert f'<th scope="row">{laos_in_thai}' in thai and '<th scope="row">Laos' not in thai


def test_weeks_read_the_same_from_postgresql_and_sqlite():
    """The embedded default (SQLite) answers the active-contributors query with text."""
    from datetime import date, datetime

    from organizers.selectors.dashboard import _week

    assert (
        _week("2025-03-03 00:00:00")
        == _week(date(2025, 3, 3))
        == _week(datetime(2025, 3, 3))
        == date(2025, 3, 3)
    )


def test_task_3_coverage_counts_a_prompt_once_its_translation_is_accepted(
    organizer, text_contributions, django_capture_on_commit_callbacks
):
    from organizers.selectors.dashboard import translation_coverage
    from texttasks.decisions import text_submission_decide
    from texttasks.models import Translation

    def lao():
        return next(row for row in translation_coverage() if row.code == "lao")

    pending = Translation.objects.get(status="pending")
    assert lao().prompts_done == 1  # the pending translation is not "translated" yet

    with django_capture_on_commit_callbacks(execute=True):
        text_submission_decide(
            task_number=3, submission_id=pending.pk, accepted=True, reason="", decided_by=organizer
        )

    assert lao().prompts_done == 2
