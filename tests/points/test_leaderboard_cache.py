"""The leaderboard's table is rendered once per snapshot and kept in the cache; the page around it is
the viewer's own. A new snapshot shows at once, nothing about one viewer reaches another, and a
browser asking again about an unchanged leaderboard gets a 304."""

import pytest
from django.test import Client
from django.utils import timezone

from points.ledger import ledger_credit_event
from points.recompute import points_recompute

pytestmark = pytest.mark.django_db

UNBACKED_SOURCE = "tests.cachepoints"  # no credit source answers for it: the recomputation leaves it


def give_points(user, points: int, *, start: int = 0) -> None:
    for n in range(points):
        ledger_credit_event(
            contributor_id=user.pk,
            task_number=2,
            source=UNBACKED_SOURCE,
            source_id=user.pk * 10_000 + start + n,
            occurred_at=timezone.now(),
        )


def test_a_new_snapshot_shows_at_once_and_the_cached_table_holds_nothing_of_the_viewer(
    client, make_user, django_assert_max_num_queries
):
    organizer = make_user(display_name="Organizer Ana", roles=("organizer",))
    leader, runner = make_user(display_name="Leader Budi"), make_user(display_name="Runner Citra")
    give_points(leader, 3)
    give_points(runner, 2)
    points_recompute()
    client.force_login(organizer)

    seen_by_organizer = client.get("/leaderboard/").content.decode()
    with django_assert_max_num_queries(3):  # the table from the cache: no rows read again
        seen_anonymously = Client().get("/leaderboard/").content.decode()

    assert "Organizers: rates and exports" in seen_by_organizer
    assert "Organizers: rates and exports" not in seen_anonymously
    assert seen_anonymously.index("Leader Budi") < seen_anonymously.index("Runner Citra")

    give_points(runner, 5, start=100)
    points_recompute()

    html = Client().get("/leaderboard/").content.decode()
    assert html.index("Runner Citra") < html.index("Leader Budi")


def test_an_unchanged_leaderboard_answers_304_and_a_new_snapshot_the_page(client, make_user):
    leader = make_user(display_name="Leader Dewi")
    give_points(leader, 2)
    points_recompute()

    first = client.get("/leaderboard/?country=&page=1")
    again = client.get("/leaderboard/?country=&page=1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert again.status_code == 304

    give_points(leader, 1, start=50)
    points_recompute()
    after = client.get("/leaderboard/?country=&page=1", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]

    client.force_login(leader)  # signed in, the page around the table changes: not the same copy
    signed_in = client.get("/leaderboard/?country=&page=1", HTTP_IF_NONE_MATCH=after["ETag"])
    assert signed_in.status_code == 200


def test_a_deploy_that_changes_the_tables_markup_is_not_served_the_old_cached_copy(
    client, make_user, monkeypatch
):
    from points import views

    leader = make_user(display_name="Leader Eka")
    give_points(leader, 2)
    points_recompute()
    monkeypatch.setattr(views, "_table_markup_version", lambda: "release-1")
    first = client.get("/leaderboard/")
    assert client.get("/leaderboard/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # The next release ships another table template (or catalogs): same snapshot, new markup.
    monkeypatch.setattr(views, "_table_markup_version", lambda: "release-2")
    monkeypatch.setattr(views, "_leaderboard_table", lambda **kwargs: "<p>the new release's table</p>")
    after = client.get("/leaderboard/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert "the new release's table" in after.content.decode()


def test_the_markup_version_follows_the_compiled_catalogs(tmp_path, monkeypatch):
    from points import views

    views._table_markup_version.cache_clear()
    before = views._table_markup_version()
    views._table_markup_version.cache_clear()
    monkeypatch.setattr(views.settings, "BASE_DIR", tmp_path)  # other catalogs: another version
    try:
        assert views._table_markup_version() != before
    finally:
        views._table_markup_version.cache_clear()
