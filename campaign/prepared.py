"""Statements the server keeps prepared on Django's connection (psycopg `prepare=True`): parsed and planned
once per connection, then only executed. Django's own cursors bind on the client and cannot prepare; these
run on the same connection and in the same transaction, map errors as Django's cursors do, and are logged
like Django's queries when those are (tests counting queries see them).

They are prepared only while the connection has a `prepare_threshold` (settings.py gives it one; with
Django's default, None, or DATABASE_PREPARED_STATEMENTS=0, psycopg sends them as text, planned on every call,
with the same answers). A new connection, a rollback, DEALLOCATE ALL or DISCARD ALL sent through it make
psycopg prepare them again on their next call (tests/contributions/test_near_duplicate_lookup.py)."""

import time

import psycopg
from django.db import connection


def prepared_fetchall(sql: str, params: dict | list) -> list[tuple]:
    """Every row of a hot statement whose text does not change from call to call (its values are params)."""
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:
        # With its values in, as Django logs its own (a bench replays the statements a page ran).
        logged = connection.ops.compose_sql(sql, params)
        connection.queries_log.append({"sql": logged, "time": f"{time.monotonic() - started:.3f}"})
    return rows
