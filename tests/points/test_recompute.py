import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from contributions.models import ImageSubmission
from points.ledger import AlreadyCredited, ledger_credit_event
from points.models import LeaderboardRow, LeaderboardSnapshot, LedgerEntry
from points.recompute import points_recompute
from points.rules import point_rule_save


@pytest.mark.django_db
def test_recompute_on_an_agreeing_ledger_writes_no_correction_and_twice_writes_nothing(
    contributor, decide_image
):
    decide_image(contributor, ("ID",))
    decide_image(contributor, ("MM",))

    first = points_recompute()
    entries = LedgerEntry.objects.count()
    second = points_recompute()

    assert first.corrections == 0 and first.snapshot_published
    assert second.corrections == 0 and not second.snapshot_published
    assert second.snapshot == first.snapshot
    assert LedgerEntry.objects.count() == entries
    assert LeaderboardSnapshot.objects.count() == 1


@pytest.mark.django_db
def test_recompute_puts_back_a_deleted_credit_with_its_reason(contributor, decide_image, confirmed_points):
    decide_image(contributor, ("ID",))
    tampered = decide_image(contributor, ("KH",))
    with connection.cursor() as cursor:  # someone with database access deletes a credit
        cursor.execute("SET LOCAL session_replication_role = replica")  # bypasses the append-only trigger
        cursor.execute("DELETE FROM points_ledgerentry WHERE source_id = %s", [tampered.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert confirmed_points(contributor) == Decimal("0.50")

    result = points_recompute()

    assert result.corrections == 1
    correction = LedgerEntry.objects.get(kind="correction")
    assert correction.source_id == tampered.pk and correction.points == Decimal("3")
    assert "earns 3.00 points but the ledger had none" in correction.reason
    assert confirmed_points(contributor) == Decimal("3.50")
    assert points_recompute().corrections == 0


@pytest.mark.django_db
def test_a_credit_deleted_behind_a_standing_snapshot_is_put_back_and_a_new_snapshot_ranks_it(
    contributor, decide_image, confirmed_points
):
    """The latest snapshot stands when the comparison starts (nothing it is made of changed: the deleted
    credit was not the last entry); the correction then makes a new one, summed from the whole ledger."""
    tampered = decide_image(contributor, ("KH",))
    decide_image(contributor, ("ID",))
    first = points_recompute()
    assert first.snapshot_published and first.snapshot.rows.get().total == Decimal("3.50")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM points_ledgerentry WHERE source_id = %s", [tampered.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")

    result = points_recompute()

    assert result.corrections == 1 and result.snapshot_published
    row = result.snapshot.rows.get()
    assert (row.total, row.task1, row.week_points) == (Decimal("3.50"), Decimal("3.50"), Decimal("3.50"))
    assert confirmed_points(contributor) == Decimal("3.50")
    assert not points_recompute().snapshot_published


@pytest.mark.django_db
def test_recompute_credits_an_accepted_image_whose_event_was_lost_and_the_late_event_adds_nothing(
    contributor, image_in_review, confirmed_points, django_capture_on_commit_callbacks
):
    from campaign.events import EventKind, publish
    from contributions.decisions import image_submission_event

    submission = image_in_review(contributor, ("VN",))
    ImageSubmission.objects.filter(pk=submission.pk).update(status="accepted", decided_at=timezone.now())

    assert points_recompute().corrections == 1
    assert confirmed_points(contributor) == Decimal("1")

    submission.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        publish(image_submission_event(submission, EventKind.ACCEPTED))
    assert confirmed_points(contributor) == Decimal("1")


@pytest.mark.django_db
def test_recompute_takes_back_points_of_an_image_no_longer_accepted(
    contributor, decide_image, confirmed_points
):
    decide_image(contributor, ("ID",))
    removed = decide_image(contributor, ("TH",))
    ImageSubmission.objects.filter(pk=removed.pk).update(status="withdrawn")

    assert points_recompute().corrections == 1
    correction = LedgerEntry.objects.get(kind="correction")
    assert correction.points == Decimal("-1") and "no longer earns points" in correction.reason
    assert confirmed_points(contributor) == Decimal("0.50")


@pytest.mark.django_db
def test_a_retroactive_rule_change_is_applied_by_the_recompute(
    contributor, decide_image, confirmed_points, make_user
):
    first = decide_image(contributor, ("ID",))
    decide_image(contributor, ("ID",))
    point_rule_save(
        rule=None,
        task_number=1,
        points_group=1,
        points=Decimal("1.5"),
        effective_from=first.decided_at,
        changed_by=make_user(),
    )

    assert points_recompute().corrections == 2
    assert confirmed_points(contributor) == Decimal("3.00")
    assert points_recompute().corrections == 0


@pytest.mark.django_db
def test_snapshot_ranks_ties_together_and_shows_public_names_and_task_points(make_user, decide_image):
    from accounts.services import profile_update
    from campaign.models import Country

    alice, bima, chai, dara = (make_user(display_name=name) for name in ("Alice", "Bima", "Chai", "Dara"))
    profile_update(
        user=bima,
        display_name="Bima Real Name",
        use_pseudonym=True,
        pseudonym="NightOwl",
        residence_country=Country.objects.get(code="TH"),
        native_language="Thai (tha)",
        accept_terms=True,
    )
    for user, countries in ((alice, ("LA",)), (bima, ("LA",)), (chai, ("ID",)), (chai, ("ID",))):
        decide_image(user, countries)
    decide_image(dara, ("ID",), accepted=False)

    snapshot = points_recompute().snapshot
    rows = list(LeaderboardRow.objects.filter(snapshot=snapshot).order_by("position"))

    assert [(row.rank, row.total) for row in rows] == [
        (1, Decimal("3")),
        (1, Decimal("3")),
        (3, Decimal("1")),
    ]
    assert {row.public_name for row in rows} == {"Alice", "NightOwl", "Chai"}
    assert rows[2].task1 == Decimal("1") and rows[2].week_points == Decimal("1")
    assert snapshot.counts["TH"] == 1 and snapshot.counts[""] == 3 and snapshot.counts["task:1"] == 3


@pytest.mark.django_db
def test_snapshot_stays_frozen_while_live_points_move(contributor, decide_image, confirmed_points):
    decide_image(contributor, ("ID",))
    snapshot = points_recompute().snapshot
    decide_image(contributor, ("LA",))

    assert LeaderboardRow.objects.get(snapshot=snapshot).total == Decimal("0.50")
    assert confirmed_points(contributor) == Decimal("3.50")
    assert points_recompute().snapshot.rows.get().total == Decimal("3.50")


def test_the_weekly_recompute_is_scheduled_saturday_midnight_in_jakarta(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="points.tasks.recompute_points_weekly")
    crontab = task.crontab
    assert task.enabled
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "0", "6")
    assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
    assert str(crontab.timezone) == "Asia/Jakarta"


@pytest.mark.django_db
def test_the_command_recomputes_with_a_progress_bar(contributor, decide_image, capsys):
    from django.core.management import call_command

    decide_image(contributor, ("ID",))
    call_command("recompute_points")

    captured = capsys.readouterr()
    assert "1 records, 0 corrections, snapshot published" in captured.out
    # The bar names each step as it goes, and counts the records read.
    for step in ("reading the records", "comparing with the ledger", "publishing the leaderboard"):
        assert step in captured.err
    assert "1 records" in captured.err
    assert LeaderboardSnapshot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_credit_the_same_event_exactly_once(make_user, image_in_review):
    contributor = make_user()
    submission = image_in_review(contributor, ("KH",))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker():
        try:
            barrier.wait()
            ledger_credit_event(
                contributor_id=contributor.pk,
                task_number=1,
                source="contributions.imagesubmission",
                source_id=submission.pk,
                occurred_at=timezone.now(),
                country_codes=("KH",),
            )
            outcomes.append("credited")
        except AlreadyCredited:
            outcomes.append("already credited")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already credited"] * 3 + ["credited"]
    assert list(LedgerEntry.objects.values_list("points", flat=True)) == [Decimal("3")]


@pytest.mark.django_db(transaction=True)
def test_a_credit_landing_while_the_recompute_runs_is_not_taken_back(
    make_user, image_in_review, confirmed_points
):
    """The weekly task reads one snapshot: an image accepted (and credited) by a worker between the
    recomputation's reading of the records and its comparison with the ledger is left alone."""
    from contributions.decisions import image_submission_decide

    contributor = make_user()
    earlier = image_in_review(contributor, ("ID",))
    image_submission_decide(submission_id=earlier.pk, accepted=True, reasons=None)  # credited: 0.5
    submission = image_in_review(contributor, ("KH",))
    landed = []

    def accept_meanwhile(step: str) -> None:
        if step != "compare":
            return

        def decide():
            try:
                with transaction.atomic():
                    image_submission_decide(submission_id=submission.pk, accepted=True, reasons=None)
                # The ledger hears of it on commit (eager Celery in tests), on this worker's connection.
                landed.append(LedgerEntry.objects.filter(source_id=submission.pk).count())
            finally:
                connections.close_all()

        worker = threading.Thread(target=decide)
        worker.start()
        worker.join()

    result = points_recompute(stage=accept_meanwhile)

    assert landed == [1], "the worker's credit committed during the recomputation"
    assert result.corrections == 0
    assert confirmed_points(contributor) == Decimal("3.5")
    assert points_recompute().corrections == 0


@pytest.mark.django_db
def test_recompute_takes_back_the_last_accepted_image_of_a_campaign(
    contributor, decide_image, confirmed_points
):
    """Even with no accepted image left anywhere, the image source answers for its record type."""
    only = decide_image(contributor, ("TH",))
    ImageSubmission.objects.filter(pk=only.pk).update(status="withdrawn")

    result = points_recompute()

    assert result.corrections == 1 and result.unverified_sources == []
    assert confirmed_points(contributor) == Decimal("0")


@pytest.mark.django_db
def test_ledger_entries_no_source_answers_for_are_left_alone_and_reported(contributor, confirmed_points):
    ledger_credit_event(
        contributor_id=contributor.pk,
        task_number=2,
        source="legacy.spreadsheet",
        source_id=7,
        occurred_at=timezone.now(),
    )

    result = points_recompute()

    assert result.corrections == 0 and result.unverified_sources == ["legacy.spreadsheet"]
    assert confirmed_points(contributor) == Decimal("1")


@pytest.mark.django_db
def test_the_command_says_which_entries_it_could_not_check(contributor, capsys):
    from django.core.management import call_command

    ledger_credit_event(
        contributor_id=contributor.pk,
        task_number=2,
        source="legacy.spreadsheet",
        source_id=8,
        occurred_at=timezone.now(),
    )
    call_command("recompute_points")

    assert "Ledger entries of “legacy.spreadsheet” were left as they are" in capsys.readouterr().out
