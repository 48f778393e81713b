import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organizer_opens_the_dashboard_and_sees_its_charts(
    live_server, page, browser_login, organizer, make_user, submit_image
):
    laos = make_user(country="LA")
    submit_image(laos, countries=("LA",), created_days_ago=8)
    submit_image(laos, countries=("LA", "TH"), status="in_review")
    csp_errors = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and csp_errors.append(message.text),
    )

    browser_login(page, organizer)
    page.goto(f"{live_server.url}/organizers/")

    assert page.get_by_role("heading", name="Campaign dashboard").is_visible()
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    for name in ("task1-countries", "weekly", "review", "active"):
        chart = page.locator(f'svg[data-chart="{name}"]')
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 50
    bars = page.locator('svg[data-chart="task1-countries"] rect.chart-bar')
    assert bars.count() >= 2 and bars.first.is_visible()
    # Two weeks of data: every series of the weekly chart has a point in each.
    assert page.locator('svg[data-chart="weekly"] circle.chart-point').count() % 2 == 0
    assert page.locator('svg[data-chart="weekly"] polyline.chart-line').count() >= 1
    assert page.locator('svg[data-chart="weekly"] circle.chart-point').first.is_visible()
    # The numbers are one click away.
    page.get_by_text("Task 1: the numbers").click()
    laos_row = page.locator('tr[data-country="LA"][data-task="1"]')
    assert laos_row.is_visible() and "underrepresented" in laos_row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert csp_errors == []
