"""The leaderboard snapshot: one INSERT ranks every contributor with points (overall, per country, this
week) from the ledger, and the stored counts let each filtered page know its size without counting.

Published by the weekly recomputation (`points.recompute`); read by `points.selectors.leaderboard_page`.
"""

from datetime import datetime, timedelta

from django.db import connection

from points.models import TASK_NUMBERS, LeaderboardSnapshot

TASK_SUMS = ",\n".join(
    f"SUM(CASE WHEN l.task_number = {n} THEN l.points ELSE 0 END) AS task{n}" for n in TASK_NUMBERS
)
TASK_COLUMNS = ", ".join(f"task{n}" for n in TASK_NUMBERS)
SNAPSHOT_ROWS_SQL = f"""
INSERT INTO points_leaderboardrow (
    snapshot_id, contributor_id, rank, position, country_rank, country_position, week_rank, week_position,
    public_name, country_code, {TASK_COLUMNS}, total, week_points
)
SELECT %s, contributor_id,
    RANK() OVER (ORDER BY total_key DESC),
    ROW_NUMBER() OVER (ORDER BY total_key DESC, contributor_id),
    RANK() OVER (PARTITION BY country_code{{country_collation}} ORDER BY total_key DESC),
    ROW_NUMBER() OVER (PARTITION BY country_code{{country_collation}} ORDER BY total_key DESC, contributor_id),
    RANK() OVER (ORDER BY week_key DESC),
    ROW_NUMBER() OVER (ORDER BY week_key DESC, total_key DESC, contributor_id),
    public_name, country_code, {TASK_COLUMNS}, total, week_points
FROM (
    SELECT t.contributor_id,
        COALESCE(CASE WHEN p.use_pseudonym AND p.pseudonym <> '' THEN p.pseudonym ELSE p.display_name END, '')
            AS public_name,
        COALESCE(p.residence_country_id, '') AS country_code,
        {TASK_COLUMNS}, total, week_points, total_key, week_key
    FROM ({{totals}}) AS t
    LEFT JOIN accounts_profile p ON p.user_id = t.contributor_id
    WHERE t.total > 0
) AS ranked
"""  # noqa: S608 - built from constants only
# The totals give `total_key` and `week_key`, in the order of `total` and `week_points` and equal where they
# are: the recomputation's sums in cents, as integers, sort in a fraction of the time the same amounts
# take as numerics (three sorts of every contributor). The countries are grouped byte by byte ("C": the
# same groups, no collation's comparisons); the rows do not depend on the order the groups come in.
# Every contributor's sums, from the whole ledger (params: the week's start).
LEDGER_SUMS_SQL = f"""
SELECT l.contributor_id, {TASK_SUMS},
    SUM(l.points) AS total,
    SUM(CASE WHEN l.occurred_at >= %s THEN l.points ELSE 0 END) AS week_points
FROM points_ledgerentry l
{{where}}
GROUP BY l.contributor_id
"""  # noqa: S608 - built from constants only
LEDGER_SUMS_KEYED_SQL = f"""
SELECT sums.*, total AS total_key, week_points AS week_key FROM ({LEDGER_SUMS_SQL.format(where="")}) AS sums
"""  # noqa: S608 - built from constants only
# The same sums from the recomputation's totals (`points.digests`: the ledger as it read it, in cents),
# once the entries written since are added to them (`TOTALS_ADD_NEW_SQL`).
TOTALS_SQL = f"""
SELECT contributor_id, {", ".join(f"task{n} * 0.01 AS task{n}" for n in TASK_NUMBERS)},
    cents * 0.01 AS total, week_cents * 0.01 AS week_points, cents::bigint AS total_key,
    week_cents::bigint AS week_key
FROM points_ledger_totals
"""  # noqa: S608 - built from constants only
# Params: the week's start, the last entry id the totals include.
NEW_ENTRIES_CENTS_SQL = f"""
SELECT contributor_id, {", ".join(f"SUM(CASE WHEN task_number = {n} THEN c ELSE 0 END) AS task{n}" for n in TASK_NUMBERS)},
    SUM(c) AS cents, SUM(CASE WHEN occurred_at >= %s THEN c ELSE 0 END) AS week_cents
FROM (SELECT contributor_id, task_number, occurred_at, (points * 100)::bigint AS c
      FROM points_ledgerentry WHERE id > %s) AS entries
GROUP BY contributor_id
"""  # noqa: S608 - built from constants only
TOTALS_ADD_NEW_SQL = f"""
WITH new AS ({NEW_ENTRIES_CENTS_SQL}),
updated AS (
    UPDATE points_ledger_totals t
    SET {", ".join(f"task{n} = t.task{n} + new.task{n}" for n in TASK_NUMBERS)},
        cents = t.cents + new.cents, week_cents = t.week_cents + new.week_cents
    FROM new WHERE t.contributor_id = new.contributor_id
    RETURNING t.contributor_id
)
INSERT INTO points_ledger_totals (contributor_id, {TASK_COLUMNS}, cents, week_cents)
SELECT contributor_id, {TASK_COLUMNS}, cents, week_cents FROM new
WHERE contributor_id NOT IN (SELECT contributor_id FROM updated)
"""  # noqa: S608 - built from constants only
SNAPSHOT_COUNTS_SQL = f"""
SELECT country_code, COUNT(*), {", ".join(f"SUM(CASE WHEN task{n} > 0 THEN 1 ELSE 0 END)" for n in TASK_NUMBERS)}
FROM points_leaderboardrow WHERE snapshot_id = %s GROUP BY country_code
"""  # noqa: S608 - built from constants only


def leaderboard_snapshot_publish(
    cursor, *, as_of: datetime, fingerprint: str, corrections: int, totals_up_to: int | None = None
) -> LeaderboardSnapshot:
    """A new snapshot of the ledger as of `as_of`, its rows ranked and counted (inside the caller's
    transaction, on its cursor). `totals_up_to`: the recomputation's table `points_ledger_totals` holds
    every contributor's sums of the ledger up to that entry id (read in the same transaction snapshot):
    only the entries after it are summed, not the whole ledger again."""
    week_starts_at = as_of - timedelta(days=7)
    snapshot = LeaderboardSnapshot.objects.create(
        as_of=as_of, week_starts_at=week_starts_at, fingerprint=fingerprint, corrections_written=corrections
    )
    if totals_up_to is None:
        totals, params = LEDGER_SUMS_KEYED_SQL, [week_starts_at]
    else:
        cursor.execute(TOTALS_ADD_NEW_SQL, [week_starts_at, totals_up_to])
        cursor.execute("ANALYZE points_ledger_totals")
        totals, params = TOTALS_SQL, []
    # PostgreSQL groups the countries byte by byte; SQLite (the embedded default) knows no "C" collation and
    # compares bytes already (BINARY).
    collation = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    cursor.execute(
        SNAPSHOT_ROWS_SQL.format(totals=totals, country_collation=collation), [snapshot.pk, *params]
    )
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first pages of the new snapshot get index plans straight away.
        cursor.execute("ANALYZE points_leaderboardrow")
    cursor.execute(SNAPSHOT_COUNTS_SQL, [snapshot.pk])
    counts: dict[str, int] = {"": 0}
    for country_code, total, *per_task in cursor.fetchall():
        counts[""] += total
        counts[country_code] = total
        for number, value in zip(TASK_NUMBERS, per_task, strict=True):
            counts[f"task:{number}"] = counts.get(f"task:{number}", 0) + int(value or 0)
            counts[f"{country_code}:task:{number}"] = int(value or 0)
    snapshot.counts = counts
    snapshot.row_count = counts[""]
    snapshot.save(update_fields=["counts", "row_count"])
    return snapshot
