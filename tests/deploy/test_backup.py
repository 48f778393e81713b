"""Backups that restore: the procedure of docs/deploy.md ("Backups"), `pg_dump` of the live database
and `pg_restore` into a fresh one, finds the same ledger totals and the same submissions."""

import io
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from contributions.models import ImageSubmission
from points.models import LedgerEntry

pytestmark = pytest.mark.skipif(not shutil.which("pg_dump"), reason="PostgreSQL's client tools are needed")


def libpq_args(settings_dict: dict) -> list[str]:
    return [
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
    ]


def figures(dbname: str, settings_dict: dict) -> dict:
    """What an organizer would check after a restore, read with SQL (no Django) from one database."""
    ledger, images = LedgerEntry._meta.db_table, ImageSubmission._meta.db_table
    conninfo = psycopg.conninfo.make_conninfo(
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
        user=settings_dict.get("USER") or "postgres",
        password=settings_dict.get("PASSWORD") or None,
        dbname=dbname,
    )
    with psycopg.connect(conninfo) as conn:
        totals = conn.execute(
            f"SELECT contributor_id, SUM(points) FROM {ledger} GROUP BY contributor_id ORDER BY 1"  # noqa: S608
        ).fetchall()
        entries = conn.execute(f"SELECT COUNT(*), SUM(points) FROM {ledger}").fetchone()  # noqa: S608
        submissions = conn.execute(
            f"SELECT status, COUNT(*), array_agg(key::text ORDER BY id) FROM {images} GROUP BY status ORDER BY 1"  # noqa: S608
        ).fetchall()
    return {"totals": totals, "entries": entries, "submissions": submissions}


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_has_the_same_points_and_submissions(tmp_path):
    call_command("load_demo_data", stdout=io.StringIO())  # accounts, images, ratings, points
    assert LedgerEntry.objects.exists() and ImageSubmission.objects.exists()
    settings_dict = connection.settings_dict
    source = settings_dict["NAME"]
    restored = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "seavl.dump"

    subprocess.run(
        [
            "pg_dump",
            *libpq_args(settings_dict),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "-f",
            str(dump),
            source,
        ],
        check=True,
        timeout=300,
    )
    subprocess.run(
        ["createdb", *libpq_args(settings_dict), "-T", "template0", restored], check=True, timeout=60
    )
    try:
        subprocess.run(
            [
                "pg_restore",
                *libpq_args(settings_dict),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                restored,
                str(dump),
            ],
            check=True,
            timeout=300,
        )
        before, after = figures(source, settings_dict), figures(restored, settings_dict)
    finally:
        subprocess.run(
            ["dropdb", *libpq_args(settings_dict), "--if-exists", restored], check=True, timeout=60
        )

    assert after == before
    assert before["entries"][0] == LedgerEntry.objects.count() > 0
    assert sum(count for _status, count, _keys in after["submissions"]) == ImageSubmission.objects.count() > 0
