"""`?page=` and `?page_size=` on every list: the API answers 400 with its error body for what is not a page
(negative, zero, not a number, a page size too big) and an empty page past the end, however far (past
what a database OFFSET can hold); the pages show their nearest real page. Never a 500."""

import pytest

pytestmark = pytest.mark.django_db

HUGE = "31871401667237060608"  # past a 64-bit integer: the OFFSET that used to overflow in PostgreSQL

CONTRIBUTOR_LISTS = [
    "/api/v1/images",
    "/api/v1/benchmark-prompts",
    "/api/v1/translations",
    "/api/v1/visual-questions",
    "/api/v1/generation-prompts",
    "/api/v1/text-prompts",
]
ORGANIZER_LISTS = ["/api/v1/organizers/exports", "/api/v1/organizers/leaderboard"]

PAGES = [
    "/images/",
    "/images/bulk/",
    "/my-texts/",
    "/validate/",
    "/notices/",
    "/points/",
    "/leaderboard/",
]
ORGANIZER_PAGES = [
    "/organizers/exports/",
    "/organizers/audit/",
    "/points/organizers/",
    "/review/organizers/",
    "/review/organizers/adjudication/",
    "/review/organizers/decided/",
    "/review/organizers/paused/",
    "/review/organizers/log/",
    "/moderation/texts/",
]


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def tokens(contributor_token, organizer_token):
    return {"contributor": contributor_token, "organizer": organizer_token}


@pytest.mark.parametrize(
    "url,role", [(url, "contributor") for url in CONTRIBUTOR_LISTS] + [(url, "organizer") for url in ORGANIZER_LISTS]
)
def test_an_api_list_past_its_end_is_an_empty_page_and_a_bad_page_a_400(client, tokens, url, role):
    headers = bearer(tokens[role])

    first = client.get(url, **headers)
    far = client.get(f"{url}?page={HUGE}", **headers)
    near = client.get(f"{url}?page=5000", **headers)

    assert first.status_code == 200, first.content
    body = first.json()
    assert {"count", "page", "page_size", "next", "previous", "items"} <= set(body)
    assert body["page"] == 1 and body["previous"] is None
    for response in (far, near):
        assert response.status_code == 200, response.content
        assert response.json()["items"] == [] and response.json()["next"] is None
        assert response.json()["previous"].startswith("http://testserver/api/v1/")
    for bad in ("0", "-3", "abc", "1.5", ""):
        response = client.get(f"{url}?page={bad}", **headers)
        assert response.status_code == 400, (bad, response.content)
        assert response.json()["errors"]["page"] and response.json()["detail"]


@pytest.mark.parametrize("url", CONTRIBUTOR_LISTS + ["/api/v1/organizers/exports"])
def test_an_api_page_size_is_bounded(client, tokens, url):
    headers = bearer(tokens["organizer"])

    too_big = client.get(f"{url}?page_size=100000", **headers)
    zero = client.get(f"{url}?page_size=0", **headers)
    two = client.get(f"{url}?page_size=2", **headers)

    assert too_big.status_code == 400 and too_big.json()["errors"]["page_size"]
    assert zero.status_code == 400 and zero.json()["errors"]["page_size"]
    assert two.status_code == 200 and two.json()["page_size"] == 2


def test_next_and_previous_walk_a_list_with_its_filters(client, make_user):
    from accounts.services import api_token_create
    from texttasks.models import BenchmarkPrompt

    user = make_user()
    _token, secret = api_token_create(user=user, name="walk")
    BenchmarkPrompt.objects.bulk_create(
        BenchmarkPrompt(benchmark="walk", source_index=str(n), prompt=f"Prompt {n}") for n in range(5)
    )
    url = "/api/v1/benchmark-prompts?page_size=2"

    first = client.get(url, **bearer(secret)).json()
    second = client.get(first["next"], **bearer(secret)).json()
    last = client.get(second["next"], **bearer(secret)).json()

    assert first["count"] == second["count"] == last["count"] >= 5
    assert "page_size=2" in first["next"] and "page=2" in first["next"]
    assert second["previous"] and client.get(second["previous"], **bearer(secret)).json() == first
    assert {item["id"] for item in first["items"]}.isdisjoint(item["id"] for item in second["items"])


@pytest.mark.parametrize("url", PAGES)
def test_a_page_with_any_page_number_shows_a_real_page(client, make_user, url):
    client.force_login(make_user())

    for page in (HUGE, "5000", "-3", "0", "abc", "1e400"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 200, (url, page, response.status_code)


@pytest.mark.parametrize("url", ORGANIZER_PAGES)
def test_an_organizer_page_with_any_page_number_shows_a_real_page(client, make_user, url):
    from accounts.roles import ORGANIZER

    client.force_login(make_user(roles=(ORGANIZER,)))

    for page in (HUGE, "5000", "-3", "abc"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 200, (url, page, response.status_code)
