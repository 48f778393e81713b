"""The recomputation compares per contributor first (count of cents and two hash-weighted sums, see
points/digests.py) and record by record only for the contributors whose figures differ. It must write
exactly the corrections the full record-by-record comparison writes, and publish the same leaderboard,
including for tampering that leaves a contributor's total unchanged."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contributions.models import ImageSubmission
from points.models import LeaderboardRow, LedgerEntry
from points.recompute import points_recompute
from points.rules import point_rule_save

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=40)
IMAGE = "contributions.imagesubmission"


def _day(n: float):
    return START + timedelta(days=n)


@pytest.fixture
def campaign(make_user, decide_image):
    """Three contributors with credited images of groups that earn differently (Indonesia 0.50,
    Cambodia 3, Myanmar 2 under the seeded rules), some decided before a rule change, and a
    contributor with nothing yet."""
    admin = make_user()
    contributors = [make_user() for _ in range(4)]
    images: dict[int, list[ImageSubmission]] = {}
    for index, contributor in enumerate(contributors[:3]):
        for number, countries in enumerate([("ID",), ("KH",), ("MM",), ("ID", "KH"), ("ID",)]):
            image = decide_image(contributor, countries)
            images.setdefault(contributor.pk, []).append(image)
            moment = _day(index * 5 + number * 2)
            ImageSubmission.objects.filter(pk=image.pk).update(decided_at=moment)
            _tamper("UPDATE points_ledgerentry SET occurred_at = %s WHERE source_id = %s", [moment, image.pk])
    point_rule_save(
        rule=None,
        task_number=1,
        points_group=1,
        points=Decimal("1.5"),
        effective_from=_day(12),
        changed_by=admin,
    )
    return contributors, images


def _tamper(sql: str, params: list) -> None:
    """Someone with database access, past the ledger's append-only trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _credit(image: ImageSubmission) -> LedgerEntry:
    return LedgerEntry.objects.get(source=IMAGE, source_id=image.pk, kind="credit")


def _recompute(*, digest: bool) -> tuple[list[tuple], list[tuple], object]:
    """Recompute (at one moment: a correction taking points back is dated then, and the week ends
    then), note the corrections and the leaderboard it published, and roll it all back."""
    with transaction.atomic():
        savepoint = transaction.savepoint()
        result = points_recompute(digest=digest, force_snapshot=True, now=START + timedelta(days=16))
        corrections = sorted(
            LedgerEntry.objects.filter(kind="correction").values_list(
                "source",
                "source_id",
                "contributor_id",
                "task_number",
                "generation",
                "points",
                "points_group",
                "rule_id",
                "occurred_at",
                "reason",
            )
        )
        board = list(
            LeaderboardRow.objects.filter(snapshot=result.snapshot)
            .order_by("position")
            .values_list(
                "contributor_id",
                "rank",
                "position",
                "country_rank",
                "country_position",
                "week_rank",
                "week_position",
                "public_name",
                "country_code",
                "task1",
                "task2",
                "total",
                "week_points",
            )
        )
        counts = result.snapshot.counts
        transaction.savepoint_rollback(savepoint)
    assert result.corrections == len(corrections)
    return corrections, board, (result, counts)


def _both_ways() -> tuple[list[tuple], object]:
    """The digest path and the full comparison: the same corrections and the same leaderboard."""
    full, full_board, (full_result, full_counts) = _recompute(digest=False)
    fast, fast_board, (result, fast_counts) = _recompute(digest=True)
    assert fast == full
    assert result.unverified_sources == full_result.unverified_sources
    assert fast_board == full_board
    assert fast_counts == full_counts
    return fast, result


def test_windows_read_from_their_table_past_the_values_limit_give_the_same_corrections(campaign, monkeypatch):
    """Past `MAX_WINDOW_VALUES` the digest reads the award windows from their table instead of as values
    in the statement: the same corrections and leaderboard as the full comparison."""
    from points import digests

    monkeypatch.setattr(digests, "MAX_WINDOW_VALUES", 0)
    corrections, result = _both_ways()
    assert corrections and result.differing_contributors == 2


def test_the_rule_change_alone_is_found_and_corrected_as_the_full_comparison_does(campaign):
    corrections, result = _both_ways()
    # Indonesia's images decided from day 12 on now earn 1.50 instead of 0.50 (the ID+KH image too:
    # "lowest" picks Indonesia's group).
    assert corrections and {row[5] for row in corrections} == {Decimal("1.00")}
    assert result.differing_contributors == 2  # the first contributor's images all came before day 12


def test_two_credits_swapped_keep_the_total_and_are_still_put_right(campaign):
    contributors, images = campaign
    owner = contributors[0]  # whose images all came before the rule change: only the swap is wrong
    indonesia, cambodia = images[owner.pk][0], images[owner.pk][1]
    low, high = _credit(indonesia).points, _credit(cambodia).points
    assert low != high
    _tamper("UPDATE points_ledgerentry SET points = %s WHERE id = %s", [high, _credit(indonesia).pk])
    _tamper("UPDATE points_ledgerentry SET points = %s WHERE id = %s", [low, _credit(cambodia).pk])

    corrections, result = _both_ways()

    fixed = {row[1]: row[5] for row in corrections if row[2] == owner.pk}
    assert fixed == {indonesia.pk: low - high, cambodia.pk: high - low}
    assert result.differing_contributors == 3  # the tampered one and the two the rule change touches


def test_a_credit_moved_between_two_records_of_one_contributor_is_put_right(campaign):
    contributors, images = campaign
    owner = contributors[0]
    first, second = images[owner.pk][2], images[owner.pk][4]
    _tamper("UPDATE points_ledgerentry SET points = points - 1 WHERE id = %s", [_credit(first).pk])
    _tamper("UPDATE points_ledgerentry SET points = points + 1 WHERE id = %s", [_credit(second).pk])

    corrections, result = _both_ways()

    assert {(row[1], row[5]) for row in corrections if row[2] == owner.pk} == {
        (first.pk, Decimal("1.00")),
        (second.pk, Decimal("-1.00")),
    }
    assert result.differing_contributors == 3  # the tampered one and the two the rule change touches


def test_a_credit_moved_to_another_contributor_is_put_right_on_both(campaign):
    contributors, images = campaign
    image = images[contributors[0].pk][1]
    _tamper(
        "UPDATE points_ledgerentry SET contributor_id = %s WHERE id = %s",
        [contributors[3].pk, _credit(image).pk],
    )

    corrections, _result = _both_ways()

    # The record's ledger net is right: the full comparison (per record) sees nothing to correct, and
    # neither does the digest path, which must not take the credit back from either side.
    assert not [row for row in corrections if row[1] == image.pk]


def test_deleted_credits_a_withdrawn_image_and_a_ledger_entry_no_source_answers_for(campaign):
    contributors, images = campaign
    deleted, withdrawn = images[contributors[1].pk][3], images[contributors[0].pk][0]
    _tamper("DELETE FROM points_ledgerentry WHERE id = %s", [_credit(deleted).pk])
    ImageSubmission.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    LedgerEntry.objects.create(
        contributor=contributors[3],
        task_number=1,
        source="elsewhere.thing",
        source_id=1,
        kind="credit",
        points=Decimal("5"),
        reason="Imported",
        occurred_at=_day(1),
    )

    corrections, result = _both_ways()

    assert result.unverified_sources == ["elsewhere.thing"]
    assert {deleted.pk, withdrawn.pk} <= {row[1] for row in corrections if row[0] == IMAGE}


def test_a_second_digest_recompute_writes_nothing_and_compares_nobody_record_by_record(campaign):
    contributors, images = campaign
    _tamper("DELETE FROM points_ledgerentry WHERE id = %s", [_credit(images[contributors[1].pk][3]).pk])

    first = points_recompute()
    second = points_recompute()

    assert first.corrections > 0 and first.differing_contributors == 2
    assert second.corrections == 0 and second.differing_contributors == 0
    assert not second.snapshot_published


def _board_from_the_ledger(*, as_of) -> list[tuple]:
    """The leaderboard the ledger says, worked out here in Python from its entries (the snapshot's rules:
    ties share a rank, positions break ties by contributor, a country ranks within itself, the week ranks
    by the week's points, then the total)."""
    from accounts.models import Profile

    week_starts_at = as_of - timedelta(days=7)
    sums: dict[int, dict] = {}
    for contributor_id, task_number, points, occurred_at in LedgerEntry.objects.values_list(
        "contributor_id", "task_number", "points", "occurred_at"
    ):
        row = sums.setdefault(contributor_id, {"tasks": {}, "total": Decimal(0), "week": Decimal(0)})
        row["tasks"][task_number] = row["tasks"].get(task_number, Decimal(0)) + points
        row["total"] += points
        row["week"] += points if occurred_at >= week_starts_at else 0
    countries = dict(Profile.objects.values_list("user_id", "residence_country_id"))
    ranked = {c: s for c, s in sums.items() if s["total"] > 0}

    def rank(value, values):
        return 1 + sum(1 for other in values if other > value)

    by_position = sorted(ranked, key=lambda c: (-ranked[c]["total"], c))
    by_week = sorted(ranked, key=lambda c: (-ranked[c]["week"], -ranked[c]["total"], c))
    board = []
    for position, contributor_id in enumerate(by_position, start=1):
        row, country = ranked[contributor_id], countries.get(contributor_id) or ""
        same_country = [c for c in by_position if (countries.get(c) or "") == country]
        board.append(
            (
                contributor_id,
                rank(row["total"], [s["total"] for s in ranked.values()]),
                position,
                rank(row["total"], [ranked[c]["total"] for c in same_country]),
                same_country.index(contributor_id) + 1,
                rank(row["week"], [s["week"] for s in ranked.values()]),
                by_week.index(contributor_id) + 1,
                country,
                *(row["tasks"].get(n, Decimal(0)) for n in (1, 2, 3)),
                row["total"],
                row["week"],
            )
        )
    return board


def test_both_snapshots_rank_every_task_country_and_week_as_the_ledger_says(make_user, decide_image):
    """Several tasks per contributor, entries before and within the week, a correction taking points back,
    ties within and across countries: the digest path's snapshot (the ledger pass's sums per contributor
    and task, in cents, ranked by integer keys) and the full path's (summed from the ledger) both hold
    what the ledger says, worked out independently."""
    from points.ledger import ledger_credit_event

    as_of = START + timedelta(days=16)
    people = [make_user(country=country) for country in ("ID", "TH", "ID", "KH", "TH", "LA")]
    for person, countries in zip(people, [("ID",), ("LA",), ("KH",), ("ID",), ("LA",), ("MM",)], strict=True):
        decide_image(person, countries)
    # Other tasks, from a record type no source answers for (the recomputation leaves them as they are),
    # some inside the week before `as_of`, some before it.
    for number, (person, task_number, days_before) in enumerate(
        [(0, 2, 1), (0, 3, 20), (1, 2, 3), (2, 3, 2), (3, 2, 30), (4, 3, 5), (5, 2, 1), (5, 3, 9)]
    ):
        ledger_credit_event(
            contributor_id=people[person].pk,
            task_number=task_number,
            source="elsewhere.task",
            source_id=number + 1,
            occurred_at=as_of - timedelta(days=days_before),
        )
    # A credit deleted behind the ledger's back: the recomputation writes it back, dated `as_of`.
    deleted = ImageSubmission.objects.filter(contributor=people[2]).get()
    _tamper("DELETE FROM points_ledgerentry WHERE source = %s AND source_id = %s", [IMAGE, deleted.pk])

    for digest in (True, False):
        with transaction.atomic():
            savepoint = transaction.savepoint()
            result = points_recompute(digest=digest, force_snapshot=True, now=as_of)
            assert result.corrections == 1
            board = list(
                LeaderboardRow.objects.filter(snapshot=result.snapshot)
                .order_by("position")
                .values_list(
                    "contributor_id",
                    "rank",
                    "position",
                    "country_rank",
                    "country_position",
                    "week_rank",
                    "week_position",
                    "country_code",
                    "task1",
                    "task2",
                    "task3",
                    "total",
                    "week_points",
                )
            )
            expected = _board_from_the_ledger(as_of=as_of)
            transaction.savepoint_rollback(savepoint)
        assert board == expected, f"digest={digest}"
    assert len({row[1] for row in expected}) < len(expected)  # some contributors tie
    assert len({row[7] for row in expected}) > 1 and {row[9] for row in expected} - {0}
