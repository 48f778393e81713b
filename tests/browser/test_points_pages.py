import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contributor_finds_the_leaderboard_and_their_own_points(
    live_server, page, make_user, browser_login
):
    from points.ledger import ledger_credit_event
    from points.recompute import points_recompute

    contributor = make_user(display_name="Siti Rahma", country="KH")
    for n in range(3):
        ledger_credit_event(
            contributor_id=contributor.pk,
            task_number=4,
            source="texttasks.question",
            source_id=n + 1,
            occurred_at=timezone.now(),
            language_code="khm",
        )
    points_recompute()

    page.goto(f"{live_server.url}/leaderboard/")
    row = page.locator("[data-contributor-row='1']")
    assert "Siti Rahma" in row.inner_text() and "6" in row.inner_text()
    page.get_by_label("Country").select_option("KH")
    page.get_by_role("button", name="Show").click()
    assert "Siti Rahma" in page.locator("table.leaderboard").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    browser_login(page, contributor)
    page.goto(f"{live_server.url}/points/")
    assert page.locator("[data-confirmed]").inner_text() == "6"
    assert "194 more points to reach 200" in page.inner_text("main")
    assert "accepted: 2 points" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
