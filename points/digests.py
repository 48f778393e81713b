"""The recomputation's fast comparison (PostgreSQL): what every contributor deserves against what their
ledger holds, by three figures per contributor, and the record-by-record comparison only for the
contributors whose figures differ.

For a contributor c, over the records r the sources credit to c (expected points e_r, in cents) and the
ledger entries of c (points p, in cents, for the entry's record r):

    cents(c) = sum e_r              against  sum p
    h1(c)    = sum h1(r) * e_r      against  sum h1(r) * p
    h2(c)    = sum h2(r) * e_r      against  sum h2(r) * p

with h1, h2 the two 31-bit halves of a 64-bit hash of the record's key (type and id), in exact integers
(`numeric` sums: no wrap-around). A record whose expected points differ from its ledger net gives some
contributor a non-zero difference d_r = e_r - (the net of that contributor's entries for r): its
expected points and its entries are each attributed to a contributor, and these differences add up to
the record's. That contributor's three figures agree only if sum d_r = 0, sum h1(r) d_r = 0 and
sum h2(r) d_r = 0 over their records. A credit deleted, added or changed fails the first; a change
that keeps the total (two records' points swapped, a credit moved from one record to another, any set
of changes cancelling out) fails the others unless the hashes line up with the changes, which for a
given set of changes happens for at most one value of one record's h1, and of its h2: odds of 2^-31
each, 2^-62 together, for a hash the tampering does not choose. Every contributor whose figures differ
is then compared record by record, exactly as `points.recompute.DIFFERENCES_SQL` compares every record:
over every record that one of their expected rows or ledger entries names, with all the entries of
those records whoever they credit, so each of these records gets the previous comparison's answer.

Reads what the recomputation prepares (one view per source of its records, `SOURCE_VIEW`; the table
`points_award_windows`; `points_expected` for the sources read through Python), source by source, so
that each statement is planned on the source's own statistics and indexes. The ledger pass also sums
what the leaderboard snapshot needs per contributor (points per task, total, this week; in cents, summed as integers), so
the snapshot adds only the corrections written since instead of summing the whole ledger again; when
the latest snapshot stood before the comparison (it will stand after, unless corrections are written),
those sums are left out, and a snapshot that the corrections make necessary sums the ledger itself.
"""

from datetime import datetime

from points.models import TASK_NUMBERS

# The 64-bit hash of a record's key, split into two 31-bit halves: their products with cents (at most
# 2^31 * 10^10) stay inside bigint, and the sums are numeric. The same expression on both sides.
HASH_SQL = "hashint8extended({alias}source_id, hashtext({alias}source)::bigint)"
H1_SQL = f"({HASH_SQL} & 2147483647)"
H2_SQL = f"(({HASH_SQL} >> 32) & 2147483647)"

# The digest's view of each source's records (made by points.recompute).
SOURCE_VIEW = "points_expected_events_{}"
# The windows table's rows, written into the statement as a list of values (`windows_values`): only
# the process that made a temporary table can read it, so a statement that reads it runs on one core;
# with the same rows as constants, parallel workers join and sum the sources' records too (2M images on
# 2 busy cores: 1.9-2.7 s against 3.2-4.5 s). Not materialized: each source's part filters the windows
# of its own task and language. The cents come as the table stores them.
WINDOWS_SQL = (
    "SELECT task_number, country_codes, language_code, valid_from, valid_to, cents FROM points_award_windows"
)
WINDOW_VALUES = "(%s::smallint, %s::text, %s::text, %s::timestamptz, %s::timestamptz, %s::bigint)"
NO_WINDOWS = "SELECT NULL::smallint, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::bigint WHERE false"


# Past this many windows (six parameters each) the statement reads the table itself, on one core: the
# same rows, far from the 65,535 parameters a statement can take when the driver binds them server-side.
MAX_WINDOW_VALUES = 5_000


def windows_values(cursor) -> tuple[str, list]:
    """The windows CTE over the table's rows as values, and its parameters."""
    cursor.execute(WINDOWS_SQL)
    rows = cursor.fetchall()
    if len(rows) > MAX_WINDOW_VALUES:
        return f"WITH windows AS NOT MATERIALIZED ({WINDOWS_SQL})", []
    values = f"VALUES {', '.join([WINDOW_VALUES] * len(rows))}" if rows else NO_WINDOWS
    return (
        "WITH windows (task_number, country_codes, language_code, valid_from, valid_to, cents) AS NOT MATERIALIZED "
        f"({values})",
        [value for row in rows for value in row],
    )


# One source's records, summed per contributor (planned on that source's own statistics: a hash of its
# contributors), then all sources' sums summed again.
SOURCE_DIGEST_SQL = f"""
SELECT e.contributor_id, SUM(w.cents) AS cents, SUM({H1_SQL.format(alias="e.")} * w.cents) AS h1,
       SUM({H2_SQL.format(alias="e.")} * w.cents) AS h2
FROM {{view}} e
JOIN windows w
  ON w.task_number = e.task_number AND w.country_codes = e.country_codes AND w.language_code = e.language_code
 AND (w.valid_from IS NULL OR e.occurred_at >= w.valid_from) AND (w.valid_to IS NULL OR e.occurred_at < w.valid_to)
GROUP BY e.contributor_id
"""  # noqa: S608 - built from constants only
PYTHON_DIGEST_SQL = f"""
SELECT x.contributor_id, SUM((x.points * 100)::bigint) AS cents,
       SUM({H1_SQL.format(alias="x.")} * (x.points * 100)::bigint) AS h1,
       SUM({H2_SQL.format(alias="x.")} * (x.points * 100)::bigint) AS h2
FROM points_expected x
GROUP BY x.contributor_id
"""  # noqa: S608 - built from constants only (the sources read through Python, if any)


def expected_digest_sql(views: list[str], windows: str) -> str:
    """`windows`: the CTE of `windows_values`."""
    parts = [SOURCE_DIGEST_SQL.format(view=view) for view in views] + [PYTHON_DIGEST_SQL]
    return f"""
CREATE TEMPORARY TABLE points_expected_digest AS
{windows}
SELECT contributor_id, SUM(cents) AS cents, SUM(h1) AS h1, SUM(h2) AS h2
FROM ({" UNION ALL ".join(parts)}) AS expected
GROUP BY contributor_id
"""  # noqa: S608 - built from constants only


def source_views(cursor) -> list[str]:
    """The digest's views of the sources' records, in their order."""
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'v'"
        r" AND relname ~ '^points_expected_events_\d+$'"
    )
    return sorted((row[0] for row in cursor.fetchall()), key=lambda name: int(name.rsplit("_", 1)[1]))


LEDGER_ENTRIES_SQL = f"""
    SELECT contributor_id, task_number, occurred_at, (points * 100)::bigint AS c,
           {H1_SQL.format(alias="")} AS h1, {H2_SQL.format(alias="")} AS h2
    FROM points_ledgerentry"""  # noqa: S608 - built from constants only
# The digest's figures alone (the latest snapshot stands: no snapshot will need the sums).
LEDGER_TOTALS_SQL = f"""
CREATE TEMPORARY TABLE points_ledger_totals AS
SELECT contributor_id, SUM(c) AS cents, SUM(h1 * c) AS h1, SUM(h2 * c) AS h2
FROM ({LEDGER_ENTRIES_SQL}
) AS entries
GROUP BY contributor_id
"""  # noqa: S608 - built from constants only
# With what a snapshot needs (params: the week's start). Each entry adds to four sums of its contributor's
# and task's group, and the few groups of each contributor are then spread into the task columns: the
# same sums as one group per contributor with a CASE sum per task, for a third less of the ledger
# pass's time (every aggregate state a record updates costs; the groups are few). A contributor's cents
# in one task fit a bigint: spread as integers, the second grouping holds half the memory (180 MB, not
# 370 MB, for 100,000 contributors: well inside work_mem's hash limit).
TASK_SUMS = ", ".join(f"SUM(CASE WHEN task_number = {n} THEN c ELSE 0 END) AS task{n}" for n in TASK_NUMBERS)
LEDGER_TOTALS_WITH_SUMS_SQL = f"""
CREATE TEMPORARY TABLE points_ledger_totals AS
SELECT contributor_id, SUM(c) AS cents, SUM(h1) AS h1, SUM(h2) AS h2, {TASK_SUMS}, SUM(week_c) AS week_cents
FROM (
    SELECT contributor_id, task_number, SUM(c)::bigint AS c, SUM(h1 * c) AS h1, SUM(h2 * c) AS h2,
           SUM(CASE WHEN occurred_at >= %s THEN c ELSE 0 END)::bigint AS week_c
    FROM ({LEDGER_ENTRIES_SQL}
    ) AS entries
    GROUP BY contributor_id, task_number
) AS per_task
GROUP BY contributor_id
"""  # noqa: S608 - built from constants only
DIFFERING_SQL = """
CREATE TEMPORARY TABLE points_differing AS
SELECT COALESCE(e.contributor_id, l.contributor_id) AS contributor_id
FROM points_expected_digest e
FULL OUTER JOIN points_ledger_totals l ON l.contributor_id = e.contributor_id
WHERE COALESCE(e.cents, 0) <> COALESCE(l.cents, 0)
   OR COALESCE(e.h1, 0) <> COALESCE(l.h1, 0)
   OR COALESCE(e.h2, 0) <> COALESCE(l.h2, 0)
"""
# The records the exact comparison looks at: those an expected row or a ledger entry of a differing
# contributor names.
DIFFERING_LEDGER_KEYS_SQL = """
SELECT source, source_id FROM points_ledgerentry
WHERE contributor_id IN (SELECT contributor_id FROM points_differing)
"""
# Their expected rows, whoever they credit (the rows of the sources read through Python are all in
# `points_expected` already), source by source: the records of the differing contributors, and those
# their ledger entries name, each found through the source's indexes (a UNION of two semi-joins, not one
# OR that reads every record).
DESCENT_EXPECTED_SQL = f"""
INSERT INTO points_expected
    (source, source_id, contributor_id, task_number, points, points_group, rule_id, occurred_at)
SELECT e.source, e.source_id, e.contributor_id, e.task_number, w.points, w.points_group, w.rule_id, e.occurred_at
FROM (
    SELECT * FROM {{view}} WHERE contributor_id IN (SELECT contributor_id FROM points_differing)
    UNION
    SELECT * FROM {{view}} WHERE (source, source_id) IN ({DIFFERING_LEDGER_KEYS_SQL})
) AS e
JOIN points_award_windows w
  ON w.task_number = e.task_number AND w.country_codes = e.country_codes AND w.language_code = e.language_code
 AND (w.valid_from IS NULL OR e.occurred_at >= w.valid_from) AND (w.valid_to IS NULL OR e.occurred_at < w.valid_to)
"""  # noqa: S608 - built from constants only


def descent_expected(cursor) -> None:
    for view in source_views(cursor):
        cursor.execute(DESCENT_EXPECTED_SQL.format(view=view))


def differences_sql(ledger_keys: str = "") -> str:
    """Every record whose expected points differ from its ledger's net: the record-by-record comparison.

    `ledger_keys` (a query of `(source, source_id)` pairs) limits the ledger side to those records and
    the expected ones; empty, every record is compared (`points.recompute.DIFFERENCES_SQL`)."""
    where = (
        f"    WHERE (source, source_id) IN (SELECT source, source_id FROM points_expected UNION {ledger_keys})\n"  # noqa: S608 - constants only
        if ledger_keys
        else ""
    )
    return f"""
SELECT COALESCE(e.source, l.source), COALESCE(e.source_id, l.source_id),
       COALESCE(e.contributor_id, l.contributor_id), COALESCE(e.task_number, l.task_number),
       COALESCE(e.points, 0), COALESCE(l.net, 0), e.rule_id, e.points_group, e.occurred_at,
       COALESCE(l.reversals, 0), CASE WHEN e.source IS NULL THEN 0 ELSE 1 END
FROM points_expected e
FULL OUTER JOIN (
    SELECT source, source_id, MIN(contributor_id) AS contributor_id, MIN(task_number) AS task_number,
           SUM(points) AS net, SUM(CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END) AS reversals
    FROM points_ledgerentry
{where}    GROUP BY source, source_id
) AS l ON l.source = e.source AND l.source_id = e.source_id
WHERE COALESCE(e.points, 0) <> COALESCE(l.net, 0)
"""  # noqa: S608 - built from constants only


# The same comparison, over the differing contributors' records and all their entries.
DESCENT_DIFFERENCES_SQL = differences_sql(DIFFERING_LEDGER_KEYS_SQL)
DROP_SQL = "DROP TABLE IF EXISTS points_expected_digest, points_ledger_totals, points_differing"


def differing_contributors(
    cursor, *, week_starts_at: datetime, snapshot_sums: bool = True
) -> tuple[int, int | None]:
    """Both sides' figures per contributor, and the contributors whose figures differ (the table
    `points_differing`). Returns how many differ, and the last ledger entry the totals include (None
    without `snapshot_sums`: the totals then hold only the digest's figures, and a snapshot sums the
    ledger itself; a fifth of the ledger pass saved when the latest snapshot is likely to stand)."""
    windows, params = windows_values(cursor)
    # (A list of values has no statistics: the planner expects few records and groups them by sorting
    # in parallel, which measured faster than grouping 2M records into 100,000 contributors by hash.)
    cursor.execute(expected_digest_sql(source_views(cursor), windows), params)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM points_ledgerentry")
    (last_entry_id,) = cursor.fetchone()
    if snapshot_sums:
        cursor.execute(LEDGER_TOTALS_WITH_SUMS_SQL, [week_starts_at])
    else:
        cursor.execute(LEDGER_TOTALS_SQL)
    cursor.execute(DIFFERING_SQL)
    cursor.execute("SELECT COUNT(*) FROM points_differing")
    (count,) = cursor.fetchone()
    cursor.execute("ANALYZE points_differing")
    return int(count), int(last_entry_id) if snapshot_sums else None
