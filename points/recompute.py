"""The weekly recomputation: rebuild what every record deserves from the credit sources and the rules,
write the differences to the ledger as corrections, and publish a leaderboard snapshot (`points.snapshot`).

On PostgreSQL (`digest`, the default) the sources' records are never copied one by one: three figures
per contributor, on both sides, say whose points differ, and only those contributors' records are
compared one by one (`points.digests`, with the argument that this finds every difference). The previous
way, kept for the benchmark and the tests that hold both to the same corrections (`digest=False`): what
every record deserves goes into a temporary table (`points_expected`), through Python for the sources
that only yield events, inside the database for those that offer querysets, and one full join with the
ledger's net per record finds the differences.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaign.events import ContributionEvent, credit_source_rows, credit_sources, credited_record_types
from points import digests
from points.models import LeaderboardSnapshot, LedgerEntry
from points.reasons import CORRECTION_ADDED, CORRECTION_CHANGED, CORRECTION_TAKEN_BACK, record_label
from points.rules import CENT, RuleBook
from points.selectors import latest_snapshot, ledger_fingerprint
from points.snapshot import leaderboard_snapshot_publish

logger = logging.getLogger(__name__)
RECOMPUTE_LOCK_ID = 5_050_505  # pg_advisory_xact_lock key: one recomputation at a time


@dataclass
class RecomputeResult:
    events: int = 0
    corrections: int = 0
    snapshot: LeaderboardSnapshot | None = None
    snapshot_published: bool = False
    unverified_sources: list[str] = field(default_factory=list)
    seconds: float = 0.0
    seconds_sources: float = 0.0
    seconds_compare: float = 0.0
    seconds_snapshot: float = 0.0
    differing_contributors: int | None = None  # the digest's: whose records were compared one by one


EXPECTED_COLUMNS = (
    "source, source_id, contributor_id, task_number, points, points_group, rule_id, occurred_at"
)


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _expected_rows(events: Iterable[ContributionEvent], book: RuleBook) -> Iterator[tuple]:
    award_of = book.award
    for event in events:
        award = award_of(
            task_number=event.task_number,
            occurred_at=event.occurred_at,
            country_codes=event.country_codes,
            language_code=event.language_code,
        )
        if award is None:
            continue
        yield (
            event.source,
            event.source_id,
            event.contributor_id,
            event.task_number,
            award.points,
            award.points_group,
            award.rule_id,
            event.occurred_at,
        )


def _copy_text(rows: list[tuple]) -> str:
    """COPY's text format for the expected rows (record types are `app_label.model`: no tab, no backslash)."""
    return "".join(
        f"{source}\t{source_id}\t{contributor_id}\t{task_number}\t{points}\t{group}\t{rule_id}\t{occurred_at.isoformat()}\n"
        for source, source_id, contributor_id, task_number, points, group, rule_id, occurred_at in rows
    )


def _fill_expected(
    cursor,
    book: RuleBook,
    *,
    chunk_size: int,
    progress: Callable[[int], None] | None,
    in_database: bool,
    keep: bool = False,
) -> tuple[int, set]:
    """Fill the temporary table `points_expected` with what every record deserves now: in the database
    for the sources that offer querysets (PostgreSQL), through Python for the others. `keep`: the records
    of the sources that offer querysets stay where they are, behind one view per source, for `points.digests`."""
    count = 0
    seen_sources: set[str] = credited_record_types()
    as_rows = credit_source_rows() if in_database else {}
    for name, source in sorted(credit_sources().items()):
        if name in as_rows:
            continue
        for chunk in _chunks(source(), chunk_size):
            rows = list(_expected_rows(chunk, book))
            seen_sources.update({row[0] for row in rows})
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY points_expected ({EXPECTED_COLUMNS}) FROM STDIN") as copy:
                    copy.write(_copy_text(rows))
            else:
                cursor.executemany(
                    f"INSERT INTO points_expected ({EXPECTED_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608 - constant column list
                    rows,
                )
            count += len(chunk)
            if progress:
                progress(len(chunk))
    if as_rows:
        querysets = _source_querysets(as_rows)
        in_db_count, in_db_sources = _fill_expected_in_database(
            cursor, book, querysets, progress=progress, keep=keep
        )
        count += in_db_count
        seen_sources |= in_db_sources
    return count, seen_sources


def _source_querysets(as_rows: dict) -> list:
    return [queryset for _name, rows_of in sorted(as_rows.items()) for queryset in rows_of()]


EVENTS_TABLE_SQL = """
CREATE TEMPORARY TABLE points_expected_events (
    source varchar(64), source_id bigint, contributor_id bigint, task_number smallint,
    occurred_at timestamp with time zone, country_codes text, language_code text
)"""
# `cents`: the award in cents, computed once per window by the expression the ledger side uses, so that
# the digest's 2M joined records each add an integer instead of converting a numeric (half its time).
WINDOWS_TABLE_SQL = """
CREATE TEMPORARY TABLE points_award_windows (
    task_number smallint, country_codes text, language_code text, valid_from timestamp with time zone,
    valid_to timestamp with time zone, points numeric(8, 2), points_group smallint, rule_id bigint,
    cents bigint GENERATED ALWAYS AS ((points * 100)::bigint) STORED
)"""
# Reads the querysets' columns by their names (campaign.events.EVENT_ROW_COLUMNS).
EVENTS_FROM_ROWS_SQL = """
INSERT INTO points_expected_events
    (source, source_id, contributor_id, task_number, occurred_at, country_codes, language_code)
SELECT event_source, event_source_id, event_contributor_id, event_task_number, event_occurred_at,
       COALESCE(event_country_codes, ''), COALESCE(event_language_code, '')
FROM ({rows}) AS event_rows
"""
# The digest's way (`keep`): the querysets' records as a view, read where they are by each statement
# that needs them (the keys, the digest, the descent), never copied. The ids keep their columns' own
# types (bigint keys, the users' integer ids), so that the descent finds its records by their indexes.
EVENTS_VIEW_SELECT_SQL = """
SELECT event_source::varchar(64) AS source, event_source_id AS source_id,
       event_contributor_id AS contributor_id, event_task_number::smallint AS task_number,
       event_occurred_at::timestamp with time zone AS occurred_at,
       COALESCE(event_country_codes, '')::text AS country_codes, COALESCE(event_language_code, '')::text AS language_code
FROM ({rows}) AS event_rows
"""
EXPECTED_FROM_WINDOWS_SQL = f"""
INSERT INTO points_expected ({EXPECTED_COLUMNS})
SELECT e.source, e.source_id, e.contributor_id, e.task_number, w.points, w.points_group, w.rule_id, e.occurred_at
FROM points_expected_events e
JOIN points_award_windows w
  ON w.task_number = e.task_number AND w.country_codes = e.country_codes AND w.language_code = e.language_code
 AND (w.valid_from IS NULL OR e.occurred_at >= w.valid_from) AND (w.valid_to IS NULL OR e.occurred_at < w.valid_to)
"""  # noqa: S608 - built from constants only


def _drop_expected_events(cursor) -> None:
    """The records as they were kept: the previous way's table, the digest's views."""
    cursor.execute("DROP TABLE IF EXISTS points_expected_events")
    views = digests.source_views(cursor)
    if views:
        cursor.execute(f"DROP VIEW {', '.join(views)}")


def _expected_events_view(cursor, querysets: list) -> None:
    """One temporary view per queryset of its records (`points_expected_events_<n>`, the parameters
    bound into its text by the driver's own quoting; a single SELECT, so the planner sees the source's
    own columns, their statistics and indexes)."""
    _drop_expected_events(cursor)
    for number, queryset in enumerate(querysets):
        rows = connection.ops.compose_sql(*queryset.order_by().query.sql_with_params())
        cursor.execute(
            f"CREATE TEMPORARY VIEW {digests.SOURCE_VIEW.format(number)} AS {EVENTS_VIEW_SELECT_SQL.format(rows=rows)}"
        )


def _fill_expected_in_database(
    cursor, book: RuleBook, querysets: list, *, progress: Callable[[int], None] | None, keep: bool = False
) -> tuple[int, set]:
    """The records come from the sources' querysets straight into a temporary table; Python sees only
    their distinct (task, countries, language), asks the rule book when each award holds, and one join
    applies those windows to every record. The rule book stays the only place the rules are decided.
    `keep`: the records stay where they are, behind one view per source (`points.digests.SOURCE_VIEW`), the windows stay
    in their table (`points.digests` reads both) and nothing is joined yet."""
    cursor.execute("DROP TABLE IF EXISTS points_award_windows")
    cursor.execute(WINDOWS_TABLE_SQL)
    count = 0
    if keep:
        _expected_events_view(cursor, querysets)
    else:
        _drop_expected_events(cursor)
        cursor.execute(EVENTS_TABLE_SQL)
        for queryset in querysets:
            sql, params = queryset.order_by().query.sql_with_params()
            cursor.execute(EVENTS_FROM_ROWS_SQL.format(rows=sql), params)
            count += cursor.rowcount
            if progress:
                progress(cursor.rowcount)
    keys = []
    # Source by source (the digest's views): each grouping is planned on its own table's statistics.
    for table in digests.source_views(cursor) if keep else ["points_expected_events"]:
        cursor.execute(
            f"SELECT source, task_number, country_codes, language_code, COUNT(*) FROM {table} GROUP BY 1, 2, 3, 4"  # noqa: S608 - our own names
        )
        keys += cursor.fetchall()
    if keep:
        count = sum(key[4] for key in keys)
        if progress:
            progress(count)
    windows = []
    for task_number, country_codes, language_code in sorted({key[1:4] for key in keys}):
        codes = tuple(code for code in country_codes.split(",") if code)
        for start, end, award in book.award_windows(
            task_number=task_number, country_codes=codes, language_code=language_code
        ):
            windows.append(
                (
                    task_number,
                    country_codes,
                    language_code,
                    start,
                    end,
                    award.points,
                    award.points_group,
                    award.rule_id,
                )
            )
    cursor.executemany(
        "INSERT INTO points_award_windows (task_number, country_codes, language_code, valid_from, valid_to, "
        "points, points_group, rule_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        windows,
    )
    if keep:
        cursor.execute("ANALYZE points_award_windows")  # a handful of rows: hash them, join everything
        return count, {key[0] for key in keys}
    cursor.execute("ANALYZE points_expected_events")
    cursor.execute(EXPECTED_FROM_WINDOWS_SQL)
    cursor.execute("DROP TABLE points_expected_events, points_award_windows")
    return count, {key[0] for key in keys}


DIFFERENCES_SQL = digests.differences_sql()


def _as_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(str(value or 0)).quantize(CENT)


def _correction_reason(source: str, source_id: int, expected: Decimal, net: Decimal) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's words; pages translate them
        return _correction_text(source, source_id, expected, net)


def _correction_text(source: str, source_id: int, expected: Decimal, net: Decimal) -> str:
    record = record_label(source, source_id)
    if net == 0:
        return _(CORRECTION_ADDED) % {"record": record, "expected": expected}
    if expected == 0:
        return _(CORRECTION_TAKEN_BACK) % {"record": record, "net": net}
    return _(CORRECTION_CHANGED) % {"record": record, "expected": expected, "net": net}


def _write_corrections(
    cursor, *, seen_sources: set, now: datetime, batch_size: int = 5_000, sql: str = DIFFERENCES_SQL
) -> tuple[int, list]:
    cursor.execute(sql)
    written = 0
    unverified: set[str] = set()
    batch: list[LedgerEntry] = []
    while rows := cursor.fetchmany(batch_size):
        for (
            source,
            source_id,
            contributor_id,
            task_number,
            expected,
            net,
            rule_id,
            group,
            occurred_at,
            reversals,
            has_expected,
        ) in rows:
            expected, net = _as_decimal(expected), _as_decimal(net)
            if expected == net:
                continue
            if not has_expected and source not in seen_sources:
                # No registered source answers for this record type: leave it, report it.
                unverified.add(source)
                continue
            if isinstance(occurred_at, str):
                occurred_at = parse_datetime(occurred_at)
            batch.append(
                LedgerEntry(
                    contributor_id=contributor_id,
                    task_number=task_number,
                    source=source,
                    source_id=source_id,
                    kind=LedgerEntry.Kind.CORRECTION,
                    generation=int(reversals or 0),
                    points=expected - net,
                    points_group=group,
                    rule_id=rule_id,
                    reason=_correction_reason(source, source_id, expected, net),
                    occurred_at=occurred_at or now,
                )
            )
    for chunk in _chunks(batch, batch_size):
        LedgerEntry.objects.bulk_create(chunk, batch_size=batch_size)
        written += len(chunk)
    return written, sorted(unverified)


def _recompute(
    cursor,
    result: RecomputeResult,
    *,
    started: datetime,
    now: datetime,
    stage: Callable[[str], None],
    progress: Callable[[int], None] | None,
    chunk_size: int,
    in_database: bool,
    digest: bool,
    force_snapshot: bool,
) -> None:
    cursor.execute("DROP TABLE IF EXISTS points_expected")
    if digest:  # (no view, and the table stays empty, when no source offers querysets)
        cursor.execute(f"{digests.DROP_SQL}, points_award_windows")
        _drop_expected_events(cursor)
        cursor.execute(WINDOWS_TABLE_SQL)
    cursor.execute(
        "CREATE TEMPORARY TABLE points_expected (source varchar(64), source_id bigint, contributor_id bigint, "
        "task_number smallint, points numeric(8, 2), points_group smallint, rule_id bigint, "
        "occurred_at timestamp with time zone)"
    )
    book = RuleBook.load()
    stage("records")
    result.events, seen_sources = _fill_expected(
        cursor, book, chunk_size=chunk_size, progress=progress, in_database=in_database, keep=digest
    )
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE points_expected")
    result.seconds_sources = (timezone.now() - started).total_seconds()
    stage("compare")
    totals_up_to = None
    if digest:
        # The latest snapshot stands as the comparison starts: it still stands after, unless corrections
        # are written (the fingerprint then changes), so the ledger pass need not sum for a new one.
        latest = latest_snapshot()
        stands = (
            not force_snapshot and latest is not None and latest.fingerprint == ledger_fingerprint(as_of=now)
        )
        result.differing_contributors, totals_up_to = digests.differing_contributors(
            cursor, week_starts_at=now - timedelta(days=7), snapshot_sums=not stands
        )
        result.corrections, result.unverified_sources = 0, []
        if result.differing_contributors:
            # Their records one by one, the previous way, and all the ledger entries of those records.
            digests.descent_expected(cursor)
            cursor.execute("ANALYZE points_expected")
            result.corrections, result.unverified_sources = _write_corrections(
                cursor, seen_sources=seen_sources, now=now, sql=digests.DESCENT_DIFFERENCES_SQL
            )
    else:
        result.corrections, result.unverified_sources = _write_corrections(
            cursor, seen_sources=seen_sources, now=now
        )
    cursor.execute("DROP TABLE points_expected")
    result.seconds_compare = (timezone.now() - started).total_seconds() - result.seconds_sources

    fingerprint = ledger_fingerprint(as_of=now)
    latest = latest_snapshot()
    if latest is not None and latest.fingerprint == fingerprint and not force_snapshot:
        result.snapshot = latest
    else:
        stage("snapshot")
        result.snapshot = leaderboard_snapshot_publish(
            cursor,
            as_of=now,
            fingerprint=fingerprint,
            corrections=result.corrections,
            totals_up_to=totals_up_to,
        )
        result.snapshot_published = True
    if digest:
        cursor.execute(f"{digests.DROP_SQL}, points_award_windows")
        _drop_expected_events(cursor)


def points_recompute(
    *,
    now: datetime | None = None,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    force_snapshot: bool = False,
    in_database: bool | None = None,
    digest: bool | None = None,
) -> RecomputeResult:
    """Rebuild what every record deserves from the credit sources and the rules, write the differences
    to the ledger as corrections, and publish a leaderboard snapshot.

    Running it twice in a row writes nothing the second time: no correction (the ledger now agrees) and
    no snapshot (the ledger, the profiles and the day are unchanged, so the latest snapshot stands).
    `in_database` (default: on PostgreSQL) applies the rules inside the database for the sources that
    offer querysets; the Python path gives the same result, slower. `progress(n)` hears of records
    read, `stage(name)` of each step ("records", "compare", "snapshot"). `digest` (default: with
    `in_database`) compares per contributor first and record by record only where the figures differ
    (`points.digests`); `digest=False` is the previous way, every record joined with the ledger.

    On PostgreSQL, called outside a transaction (the weekly task, the command), every step reads one
    snapshot of the database (REPEATABLE READ): a submission accepted and credited while it runs is
    neither expected nor seen in the ledger, instead of expected by neither step and found in one (which
    would take back a fresh credit). One recomputation at a time, by an advisory lock taken first.
    """
    stage = stage or (lambda name: None)
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    if digest is None:
        digest = in_database
    digest = digest and in_database and connection.vendor == "postgresql"
    started = timezone.now()
    now = now or started
    result = RecomputeResult()
    postgresql = connection.vendor == "postgresql"
    own_snapshot = postgresql and not connection.in_atomic_block
    if own_snapshot:
        # Taken before the transaction: in REPEATABLE READ the snapshot starts with the first query,
        # and a second recomputation must not start from a snapshot older than the first's corrections.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [RECOMPUTE_LOCK_ID])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if own_snapshot:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            elif postgresql:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK_ID])
            if postgresql:
                cursor.execute("SET LOCAL work_mem = '256MB'")
                # A few statements over millions of rows: compiling them (JIT) costs more than it saves.
                cursor.execute("SET LOCAL jit = off")
            _recompute(
                cursor,
                result,
                started=started,
                now=now,
                stage=stage,
                progress=progress,
                chunk_size=chunk_size,
                in_database=in_database,
                digest=digest,
                force_snapshot=force_snapshot,
            )
    finally:
        if own_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RECOMPUTE_LOCK_ID])
    result.seconds = (timezone.now() - started).total_seconds()
    result.seconds_snapshot = result.seconds - result.seconds_sources - result.seconds_compare
    logger.info(
        "points recomputed: %s events, %s corrections, snapshot %s (%s)",
        result.events,
        result.corrections,
        result.snapshot.pk if result.snapshot else None,
        "published" if result.snapshot_published else "unchanged",
    )
    return result
