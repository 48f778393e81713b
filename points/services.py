"""Writes of the points: rules, ledger entries, the weekly recomputation, reward claims, certificates."""

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Profile
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed
from campaign.events import (
    ContributionEvent,
    credit_source_rows,
    credit_sources,
    credited_record_types,
)
from points.models import (
    COAUTHORSHIP_THRESHOLD,
    MERCHANDISE_THRESHOLD,
    TASK_NUMBERS,
    Certificate,
    CoauthorshipClaim,
    DecisionRecord,
    LeaderboardSnapshot,
    LedgerEntry,
    MerchandiseClaim,
    PointRule,
    PointRuleChange,
    PointsSettings,
)
from points.reasons import (
    AWARD_RULE,
    CORRECTION_ADDED,
    CORRECTION_CHANGED,
    CORRECTION_TAKEN_BACK,
    CREDITED,
    NO_LONGER_COUNTS,
    record_label,
)
from points.rules import Award, RuleBook

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
RECOMPUTE_LOCK_ID = 5_050_505  # pg_advisory_xact_lock key: one recomputation at a time


class AlreadyCredited(Conflict):
    code = "already_credited"
    default_message = gettext_lazy("This contribution is already credited.")


class AlreadyReversed(Conflict):
    code = "already_reversed"
    default_message = gettext_lazy("This credit is already taken back.")


# --- rules -----------------------------------------------------------------------------------------


@transaction.atomic
def point_rule_save(
    *,
    rule: PointRule | None,
    task_number: int,
    points_group: int,
    points: Decimal,
    effective_from: datetime,
    changed_by,
) -> PointRule:
    """Add a rule (a new effective date) or correct the points of an existing one; both are recorded."""
    if points < 0:
        raise DomainError(_("Points cannot be negative."), field="points")
    old_points = old_effective_from = None
    if rule is None or rule.pk is None:
        rule = PointRule(task_number=task_number, points_group=points_group)
    else:
        rule = PointRule.objects.select_for_update().get(pk=rule.pk)
        old_points, old_effective_from = rule.points, rule.effective_from
    rule.points = Decimal(points).quantize(CENT)
    rule.effective_from = effective_from
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as error:
        raise Conflict(
            _("Task %(task)s, group %(group)s already has a rule from that moment.")
            % {"task": task_number, "group": points_group},
            field="effective_from",
        ) from error
    PointRuleChange.objects.create(
        rule=rule,
        task_number=rule.task_number,
        points_group=rule.points_group,
        old_points=old_points,
        new_points=rule.points,
        old_effective_from=old_effective_from,
        effective_from=rule.effective_from,
        changed_by=changed_by,
    )
    audit(
        actor=changed_by,
        action="point_rule.change",
        target=rule,
        details={
            "task": rule.task_number,
            "points_group": rule.points_group,
            "old_points": str(old_points) if old_points is not None else None,
            "new_points": str(rule.points),
            "effective_from": rule.effective_from.isoformat(),
        },
    )
    return rule


def points_settings_get() -> PointsSettings:
    settings_row, _created = PointsSettings.objects.get_or_create(singleton=1)
    return settings_row


@transaction.atomic
def points_settings_update(*, multi_country_rule: str, updated_by) -> PointsSettings:
    if multi_country_rule not in PointsSettings.MultiCountryRule.values:
        raise DomainError(_("Unknown rule for several countries."), field="multi_country_rule")
    settings_row = points_settings_get()
    settings_row = PointsSettings.objects.select_for_update().get(pk=settings_row.pk)
    settings_row.multi_country_rule = multi_country_rule
    settings_row.updated_by = updated_by
    settings_row.save(update_fields=["multi_country_rule", "updated_by", "updated_at"])
    return settings_row


# --- the ledger ------------------------------------------------------------------------------------


def _award_text(award: Award) -> str:
    return _(AWARD_RULE) % {
        "group": award.points_group,
        "date": timezone.localtime(award.rule_effective_from).date().isoformat(),
    }


def _generation(source: str, source_id: int) -> int:
    """The record's current generation: how many times its credit was taken back."""
    return LedgerEntry.objects.filter(
        source=source, source_id=source_id, kind=LedgerEntry.Kind.REVERSAL
    ).count()


@transaction.atomic
def ledger_credit_event(
    *,
    contributor_id: int,
    task_number: int,
    source: str,
    source_id: int,
    occurred_at: datetime,
    country_codes: Iterable[str] = (),
    language_code: str = "",
    reason: str = "",
    book: RuleBook | None = None,
) -> LedgerEntry:
    """Credit an accepted submission or a counted rating, once: a second credit raises AlreadyCredited."""
    book = book or RuleBook.load()
    award = book.award(
        task_number=task_number,
        occurred_at=occurred_at,
        country_codes=tuple(country_codes),
        language_code=language_code,
    )
    if award is None:
        raise DomainError(
            _("No point rule applies to task %(task)s.") % {"task": task_number}, code="no_rule"
        )
    generation = _generation(source, source_id)
    already = LedgerEntry.objects.filter(source=source, source_id=source_id, generation=generation)
    if already.filter(kind=LedgerEntry.Kind.CREDIT).exists():
        raise AlreadyCredited()
    corrected = already.aggregate(total=Sum("points"))["total"] or Decimal("0")
    if corrected > 0 and corrected >= award.points:
        # The weekly recomputation already put these points in (the event came late).
        raise AlreadyCredited(_("This contribution is already credited by a correction."))
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's words; pages translate them
        text = _(CREDITED) % {
            "record": record_label(source, source_id),
            "points": award.points,
            "rule": _award_text(award),
        }
    if reason:
        text = f"{reason} ({text})"
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                contributor_id=contributor_id,
                task_number=task_number,
                source=source,
                source_id=source_id,
                kind=LedgerEntry.Kind.CREDIT,
                generation=generation,
                points=award.points - max(corrected, Decimal("0")),
                points_group=award.points_group,
                rule_id=award.rule_id,
                reason=text,
                occurred_at=occurred_at,
            )
    except IntegrityError as error:
        raise AlreadyCredited() from error


@transaction.atomic
def ledger_reverse_event(
    *, source: str, source_id: int, occurred_at: datetime, reason: str = ""
) -> LedgerEntry | None:
    """Take back what a record earned (its net in the current generation); None when nothing is credited."""
    generation = _generation(source, source_id)
    current = LedgerEntry.objects.filter(source=source, source_id=source_id, generation=generation)
    net = current.aggregate(total=Sum("points"))["total"] or Decimal("0")
    if net <= 0:
        return None
    last = current.order_by("-created_at", "-id").first()
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's words; pages translate them
        text = reason or _(NO_LONGER_COUNTS) % {"record": record_label(source, source_id)}
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                contributor_id=last.contributor_id,
                task_number=last.task_number,
                source=source,
                source_id=source_id,
                kind=LedgerEntry.Kind.REVERSAL,
                generation=generation,
                points=-net,
                points_group=last.points_group,
                rule_id=last.rule_id,
                reason=text,
                occurred_at=occurred_at,
            )
    except IntegrityError as error:
        raise AlreadyReversed() from error


def decision_record(
    *, contributor_id: int, task_number: int, source: str, source_id: int, kind: str, occurred_at: datetime
) -> bool:
    """Remember a decision (the organizers' accepted/rejected rates); False when it was heard before."""
    try:
        with transaction.atomic():
            DecisionRecord.objects.create(
                contributor_id=contributor_id,
                task_number=task_number,
                source=source,
                source_id=source_id,
                kind=kind,
                occurred_at=occurred_at,
            )
    except IntegrityError:
        return False
    return True


def event_as_payload(event: ContributionEvent) -> dict:
    """The event as JSON-able values, for a Celery message."""
    return {
        "kind": event.kind,
        "task_number": event.task_number,
        "contributor_id": event.contributor_id,
        "source": event.source,
        "source_id": event.source_id,
        "occurred_at": event.occurred_at.isoformat(),
        "country_codes": list(event.country_codes),
        "language_code": event.language_code,
        "reason": event.reason,
    }


@transaction.atomic
def ledger_apply_event(*, payload: dict) -> str:
    """What the Celery task runs for one published decision; returns what happened, for the log.

    The decision is remembered in the same transaction as its ledger entry, so a redelivered message
    (same record, kind and moment) changes nothing, even after the record was re-accepted since.
    """
    from campaign.events import EventKind

    occurred_at = parse_datetime(payload["occurred_at"])
    first_time = decision_record(
        contributor_id=payload["contributor_id"],
        task_number=payload["task_number"],
        source=payload["source"],
        source_id=payload["source_id"],
        kind=payload["kind"],
        occurred_at=occurred_at,
    )
    if not first_time:
        return "already applied"
    kind = payload["kind"]
    if kind in (EventKind.ACCEPTED, EventKind.COUNTED):
        try:
            ledger_credit_event(
                contributor_id=payload["contributor_id"],
                task_number=payload["task_number"],
                source=payload["source"],
                source_id=payload["source_id"],
                occurred_at=occurred_at,
                country_codes=tuple(payload.get("country_codes") or ()),
                language_code=payload.get("language_code") or "",
                reason=payload.get("reason") or "",
            )
        except AlreadyCredited:
            return "already credited"
        except DomainError as error:  # no rule for this task: nothing to credit, the log says why
            logger.warning("not credited: %s (%s)", error.message, payload)
            return error.code
        return "credited"
    if kind in (EventKind.REVERSED, EventKind.REJECTED):
        try:
            entry = ledger_reverse_event(
                source=payload["source"],
                source_id=payload["source_id"],
                occurred_at=occurred_at,
                reason=payload.get("reason") or "",
            )
        except AlreadyReversed:
            return "already reversed"
        return "reversed" if entry else "nothing to reverse"
    return "ignored"


# --- the weekly recomputation ----------------------------------------------------------------------


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
) -> tuple[int, set]:
    """Fill the temporary table `points_expected` with what every record deserves now: in the database
    for the sources that offer querysets (PostgreSQL), through Python for the others."""
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
        querysets = [queryset for _name, rows_of in sorted(as_rows.items()) for queryset in rows_of()]
        in_db_count, in_db_sources = _fill_expected_in_database(cursor, book, querysets, progress=progress)
        count += in_db_count
        seen_sources |= in_db_sources
    return count, seen_sources


EVENTS_TABLE_SQL = """
CREATE TEMPORARY TABLE points_expected_events (
    source varchar(64), source_id bigint, contributor_id bigint, task_number smallint,
    occurred_at timestamp with time zone, country_codes text, language_code text
)"""
WINDOWS_TABLE_SQL = """
CREATE TEMPORARY TABLE points_award_windows (
    task_number smallint, country_codes text, language_code text, valid_from timestamp with time zone,
    valid_to timestamp with time zone, points numeric(8, 2), points_group smallint, rule_id bigint
)"""
# Reads the querysets' columns by their names (campaign.events.EVENT_ROW_COLUMNS).
EVENTS_FROM_ROWS_SQL = """
INSERT INTO points_expected_events
    (source, source_id, contributor_id, task_number, occurred_at, country_codes, language_code)
SELECT event_source, event_source_id, event_contributor_id, event_task_number, event_occurred_at,
       COALESCE(event_country_codes, ''), COALESCE(event_language_code, '')
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


def _fill_expected_in_database(
    cursor, book: RuleBook, querysets: list, *, progress: Callable[[int], None] | None
) -> tuple[int, set]:
    """The records come from the sources' querysets straight into a temporary table; Python sees only
    their distinct (task, countries, language), asks the rule book when each award holds, and one join
    applies those windows to every record. The rule book stays the only place the rules are decided."""
    cursor.execute("DROP TABLE IF EXISTS points_expected_events, points_award_windows")
    cursor.execute(EVENTS_TABLE_SQL)
    cursor.execute(WINDOWS_TABLE_SQL)
    count = 0
    for queryset in querysets:
        sql, params = queryset.order_by().query.sql_with_params()
        cursor.execute(EVENTS_FROM_ROWS_SQL.format(rows=sql), params)
        count += cursor.rowcount
        if progress:
            progress(cursor.rowcount)
    cursor.execute(
        "SELECT source, task_number, country_codes, language_code FROM points_expected_events GROUP BY 1, 2, 3, 4"
    )
    keys = cursor.fetchall()
    windows = []
    for task_number, country_codes, language_code in sorted({key[1:] for key in keys}):
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
    cursor.executemany("INSERT INTO points_award_windows VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", windows)
    cursor.execute("ANALYZE points_expected_events")
    cursor.execute(EXPECTED_FROM_WINDOWS_SQL)
    cursor.execute("DROP TABLE points_expected_events, points_award_windows")
    return count, {key[0] for key in keys}


DIFFERENCES_SQL = """
SELECT COALESCE(e.source, l.source), COALESCE(e.source_id, l.source_id),
       COALESCE(e.contributor_id, l.contributor_id), COALESCE(e.task_number, l.task_number),
       COALESCE(e.points, 0), COALESCE(l.net, 0), e.rule_id, e.points_group, e.occurred_at,
       COALESCE(l.reversals, 0), CASE WHEN e.source IS NULL THEN 0 ELSE 1 END
FROM points_expected e
FULL OUTER JOIN (
    SELECT source, source_id, MIN(contributor_id) AS contributor_id, MIN(task_number) AS task_number,
           SUM(points) AS net, SUM(CASE WHEN kind = 'reversal' THEN 1 ELSE 0 END) AS reversals
    FROM points_ledgerentry
    GROUP BY source, source_id
) AS l ON l.source = e.source AND l.source_id = e.source_id
WHERE COALESCE(e.points, 0) <> COALESCE(l.net, 0)
"""


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
    cursor, *, seen_sources: set, now: datetime, batch_size: int = 5_000
) -> tuple[int, list]:
    cursor.execute(DIFFERENCES_SQL)
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


def _fingerprint(as_of: datetime) -> str:
    ledger = LedgerEntry.objects.aggregate(last=Max("id"))
    profiles = Profile.objects.aggregate(last=Max("updated_at"))
    day = timezone.localtime(as_of).date().isoformat()
    text = f"{ledger['last']}|{profiles['last']}|{day}"
    return hashlib.sha256(text.encode()).hexdigest()


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
    RANK() OVER (ORDER BY total DESC),
    ROW_NUMBER() OVER (ORDER BY total DESC, contributor_id),
    RANK() OVER (PARTITION BY country_code ORDER BY total DESC),
    ROW_NUMBER() OVER (PARTITION BY country_code ORDER BY total DESC, contributor_id),
    RANK() OVER (ORDER BY week_points DESC),
    ROW_NUMBER() OVER (ORDER BY week_points DESC, total DESC, contributor_id),
    public_name, country_code, {TASK_COLUMNS}, total, week_points
FROM (
    SELECT t.contributor_id,
        COALESCE(CASE WHEN p.use_pseudonym AND p.pseudonym <> '' THEN p.pseudonym ELSE p.display_name END, '')
            AS public_name,
        COALESCE(p.residence_country_id, '') AS country_code,
        {TASK_COLUMNS}, total, week_points
    FROM (
        SELECT l.contributor_id, {TASK_SUMS},
            SUM(l.points) AS total,
            SUM(CASE WHEN l.occurred_at >= %s THEN l.points ELSE 0 END) AS week_points
        FROM points_ledgerentry l
        GROUP BY l.contributor_id
    ) AS t
    LEFT JOIN accounts_profile p ON p.user_id = t.contributor_id
    WHERE t.total > 0
) AS ranked
"""  # noqa: S608 - built from constants only
SNAPSHOT_COUNTS_SQL = f"""
SELECT country_code, COUNT(*), {", ".join(f"SUM(CASE WHEN task{n} > 0 THEN 1 ELSE 0 END)" for n in TASK_NUMBERS)}
FROM points_leaderboardrow WHERE snapshot_id = %s GROUP BY country_code
"""  # noqa: S608 - built from constants only


def _publish_snapshot(cursor, *, as_of: datetime, fingerprint: str, corrections: int) -> LeaderboardSnapshot:
    week_starts_at = as_of - timedelta(days=7)
    snapshot = LeaderboardSnapshot.objects.create(
        as_of=as_of, week_starts_at=week_starts_at, fingerprint=fingerprint, corrections_written=corrections
    )
    cursor.execute(SNAPSHOT_ROWS_SQL, [snapshot.pk, week_starts_at])
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
    force_snapshot: bool,
) -> None:
    cursor.execute("DROP TABLE IF EXISTS points_expected")
    cursor.execute(
        "CREATE TEMPORARY TABLE points_expected (source varchar(64), source_id bigint, contributor_id bigint, "
        "task_number smallint, points numeric(8, 2), points_group smallint, rule_id bigint, "
        "occurred_at timestamp with time zone)"
    )
    book = RuleBook.load()
    stage("records")
    result.events, seen_sources = _fill_expected(
        cursor, book, chunk_size=chunk_size, progress=progress, in_database=in_database
    )
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE points_expected")
    result.seconds_sources = (timezone.now() - started).total_seconds()
    stage("compare")
    result.corrections, result.unverified_sources = _write_corrections(
        cursor, seen_sources=seen_sources, now=now
    )
    cursor.execute("DROP TABLE points_expected")
    result.seconds_compare = (timezone.now() - started).total_seconds() - result.seconds_sources

    fingerprint = _fingerprint(now)
    latest = LeaderboardSnapshot.objects.order_by("-as_of", "-id").first()
    if latest is not None and latest.fingerprint == fingerprint and not force_snapshot:
        result.snapshot = latest
    else:
        stage("snapshot")
        result.snapshot = _publish_snapshot(
            cursor, as_of=now, fingerprint=fingerprint, corrections=result.corrections
        )
        result.snapshot_published = True


def points_recompute(
    *,
    now: datetime | None = None,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] | None = None,
    force_snapshot: bool = False,
    in_database: bool | None = None,
) -> RecomputeResult:
    """Rebuild what every record deserves from the credit sources and the rules, write the differences
    to the ledger as corrections, and publish a leaderboard snapshot.

    Running it twice in a row writes nothing the second time: no correction (the ledger now agrees) and
    no snapshot (the ledger, the profiles and the day are unchanged, so the latest snapshot stands).
    `in_database` (default: on PostgreSQL) applies the rules inside the database for the sources that
    offer querysets; the Python path gives the same result, slower. `progress(n)` hears of records
    read, `stage(name)` of each step ("records", "compare", "snapshot").

    On PostgreSQL, called outside a transaction (the weekly task, the command), every step reads one
    snapshot of the database (REPEATABLE READ): a submission accepted and credited while it runs is
    neither expected nor seen in the ledger, instead of expected by neither step and found in one (which
    would take back a fresh credit). One recomputation at a time, by an advisory lock taken first.
    """
    stage = stage or (lambda name: None)
    if in_database is None:
        in_database = connection.vendor == "postgresql"
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
            _recompute(
                cursor,
                result,
                started=started,
                now=now,
                stage=stage,
                progress=progress,
                chunk_size=chunk_size,
                in_database=in_database,
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


# --- rewards ---------------------------------------------------------------------------------------


def _confirmed_points(user) -> Decimal:
    return LedgerEntry.objects.filter(contributor=user).aggregate(total=Sum("points"))["total"] or Decimal(
        "0"
    )


def _ensure_threshold(user, threshold: Decimal) -> Decimal:
    points = _confirmed_points(user)
    if points < threshold:
        raise NotAllowed(
            _("This opens at %(threshold)s confirmed points; you have %(points)s.")
            % {"threshold": threshold, "points": points}
        )
    return points


@transaction.atomic
def merchandise_claim_save(
    *, user, tshirt_size: str, recipient_name: str, shipping_address: str, phone: str = ""
) -> MerchandiseClaim:
    points = _ensure_threshold(user, MERCHANDISE_THRESHOLD)
    claim, _created = MerchandiseClaim.objects.select_for_update().get_or_create(
        contributor=user,
        defaults={
            "tshirt_size": tshirt_size,
            "recipient_name": recipient_name,
            "shipping_address": shipping_address,
            "phone": phone,
            "points_at_claim": points,
        },
    )
    claim.tshirt_size, claim.recipient_name = tshirt_size, recipient_name
    claim.shipping_address, claim.phone = shipping_address, phone
    claim.save()
    return claim


@transaction.atomic
def coauthorship_claim_save(*, user, full_name: str, affiliation: str, orcid: str = "") -> CoauthorshipClaim:
    from points.orcid import orcid_normalise

    points = _ensure_threshold(user, COAUTHORSHIP_THRESHOLD)
    orcid = orcid_normalise(orcid) if orcid else ""
    claim, _created = CoauthorshipClaim.objects.select_for_update().get_or_create(
        contributor=user,
        defaults={
            "full_name": full_name,
            "affiliation": affiliation,
            "orcid": orcid,
            "points_at_claim": points,
        },
    )
    claim.full_name, claim.affiliation, claim.orcid = full_name, affiliation, orcid
    claim.save()
    return claim


@transaction.atomic
def certificate_issue(*, user) -> Certificate:
    """The certificate for the contributor's confirmed points now (the same one while nothing changes)."""
    points = _ensure_threshold(user, MERCHANDISE_THRESHOLD)
    profile = getattr(user, "profile", None)
    name = (profile.display_name if profile else "") or user.get_username()
    tasks = sorted(
        set(
            LedgerEntry.objects.filter(contributor=user)
            .values("task_number")
            .annotate(total=Sum("points"))
            .filter(total__gt=0)
            .values_list("task_number", flat=True)
        )
    )
    certificate, _created = Certificate.objects.get_or_create(
        contributor=user, points=points.quantize(CENT), name=name, defaults={"task_numbers": tasks}
    )
    return certificate
