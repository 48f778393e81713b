"""The admin's "Recompute points now" returns at once, also with eager Celery (the embedded default):
the recomputation runs beside the request (in a background thread there; queued with a broker)."""

import threading

import psycopg
import pytest
from django.db import connection

from points.models import LeaderboardSnapshot


def detached_recomputations() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "detached-points.tasks.recompute_points_weekly"]


@pytest.mark.django_db(transaction=True)
def test_recompute_now_returns_before_the_recomputation_and_it_still_happens(
    client, django_user_model, contributor, decide_image
):
    decide_image(contributor)
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    client.force_login(admin)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    # Another session holds the snapshot table: the recomputation cannot finish until it lets go.
    with psycopg.connect(**params) as blocker:
        blocker.execute("LOCK TABLE points_leaderboardsnapshot IN ACCESS EXCLUSIVE MODE")
        response = client.post("/admin/points/leaderboardsnapshot/recompute/")
        assert response.status_code == 302  # answered while the recomputation waits
        running = detached_recomputations()
        assert len(running) == 1 and running[0].is_alive()
        blocker.rollback()
    running[0].join(timeout=60)
    assert not running[0].is_alive()
    assert LeaderboardSnapshot.objects.count() == 1
