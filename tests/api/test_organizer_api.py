"""The organizers' part of the API: the latest leaderboard snapshot (filtered and paginated as on the
page), a dataset export's status and files (downloaded with the token), the ledger CSV. The same
selectors as the pages; any other token answers 403."""

import csv
import io

import pytest
from django.utils import timezone

from accounts.roles import ORGANIZER
from accounts.services import api_token_create
from organizers.services import dataset_export_run, dataset_export_start
from points.ledger import ledger_credit_event
from points.recompute import points_recompute
from points.rules import RuleBook

pytestmark = pytest.mark.django_db

UNBACKED_SOURCE = "tests.apipoints"  # credits no credit source answers for: the recomputation keeps them


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def give_points(user, points: int, *, task_number: int = 2) -> None:
    book = RuleBook.load()
    for n in range(points):
        ledger_credit_event(
            contributor_id=user.pk,
            task_number=task_number,
            source=UNBACKED_SOURCE,
            source_id=user.pk * 100_000 + n,
            occurred_at=timezone.now(),
            book=book,
        )


def token_of(user) -> str:
    return api_token_create(user=user, name="api")[1]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organizers/leaderboard",
        "/api/v1/organizers/exports",
        "/api/v1/organizers/exports/1",
        "/api/v1/organizers/exports/1/files/README.md",
        "/api/v1/organizers/ledger.csv",
    ],
)
def test_a_contributor_token_is_refused_with_403(client, api_token, url):
    _user, secret = api_token

    response = client.get(url, **bearer(secret))

    assert response.status_code == 403
    assert response.json()["detail"] and response.json()["errors"] == {}
    assert client.get(url).status_code == 401


def test_the_leaderboard_is_the_latest_snapshot_with_the_pages_filters(client, make_user):
    organizer = make_user(roles=(ORGANIZER,))
    leader = make_user(display_name="Sokha", country="KH")
    runner = make_user(display_name="Runner", country="TH")
    give_points(leader, 7)
    give_points(runner, 3, task_number=1)
    secret = token_of(organizer)
    url = "/api/v1/organizers/leaderboard"

    before = client.get(url, **bearer(secret)).json()
    points_recompute()
    board = client.get(url, **bearer(secret)).json()
    thai = client.get(f"{url}?country=th", **bearer(secret)).json()
    task1 = client.get(f"{url}?task=1", **bearer(secret)).json()
    bogus = client.get(f"{url}?country=ZZ", **bearer(secret))

    assert before["snapshot"] is None and before["items"] == [] and before["count"] == 0
    assert board["snapshot"]["as_of"] and board["count"] == 2
    assert [row["public_name"] for row in board["items"]] == ["Sokha", "Runner"]
    first = board["items"][0]
    assert first["rank"] == 1 and first["country"] == "KH" and first["total"] == "7.00"
    assert first["task_points"]["2"] == "7.00" and set(first["task_points"]) == {"1", "2", "3", "4", "5", "6"}
    assert [row["public_name"] for row in thai["items"]] == ["Runner"]
    assert [row["public_name"] for row in task1["items"]] == ["Runner"]
    assert bogus.status_code == 400 and bogus.json()["errors"]["country"]


def test_an_export_shows_its_status_and_files_that_download_with_the_token(client, make_user):
    organizer = make_user(roles=(ORGANIZER,))
    secret = token_of(organizer)
    export = dataset_export_start(requested_by=organizer, enqueue=False, tasks=[3])

    queued = client.get(f"/api/v1/organizers/exports/{export.pk}", **bearer(secret)).json()
    dataset_export_run(export_id=export.pk)
    ready = client.get(f"/api/v1/organizers/exports/{export.pk}", **bearer(secret)).json()
    listed = client.get("/api/v1/organizers/exports", **bearer(secret)).json()

    assert queued["status"] == "queued" and queued["files"] == []
    assert ready["status"] == "ready" and ready["progress"] == 100 and ready["files"]
    assert listed["count"] == 1 and listed["items"][0]["id"] == export.pk
    for entry in ready["files"]:
        response = client.get(entry["url"], **bearer(secret))
        assert response.status_code == 200, entry["path"]
        assert len(b"".join(response.streaming_content)) == entry["size"]
    assert client.get(f"/api/v1/organizers/exports/{export.pk}/files/nope.txt", **bearer(secret)).status_code == 404
    assert client.get(f"/api/v1/organizers/exports/{export.pk + 99}", **bearer(secret)).status_code == 404


def test_the_ledger_csv_is_the_pages_download(client, make_user):
    organizer = make_user(roles=(ORGANIZER,))
    give_points(make_user(), 2)
    secret = token_of(organizer)
    client.force_login(organizer)

    api = client.get("/api/v1/organizers/ledger.csv", **bearer(secret))
    page = client.get("/points/organizers/ledger.csv")

    assert api.status_code == 200 and api["Content-Type"].startswith("text/csv")
    api_rows = list(csv.reader(io.StringIO(b"".join(api.streaming_content).decode("utf-8-sig"))))
    page_rows = list(csv.reader(io.StringIO(b"".join(page.streaming_content).decode("utf-8-sig"))))
    assert api_rows == page_rows and len(api_rows) == 3
    assert api_rows[0][:3] == ["id", "recorded_at", "happened_at"]
