"""`make run`'s database: every migration applies on SQLite and the demo data loads, with no warning.

The suite itself runs on PostgreSQL; a migration that only PostgreSQL understands would break a
newcomer's first `make run` without this."""

from tests.embedded import embedded_manage


def test_migrations_and_demo_data_work_on_the_embedded_sqlite(tmp_path):
    for done in embedded_manage(tmp_path, ["migrate", "--noinput"], ["load_demo_data"]):
        assert "WARNINGS" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "Demo data is loaded" in done.stdout
