from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from campaign.events import ContributionEvent, EventKind, publish
from points.ledger import AlreadyCredited, ledger_credit_event
from points.models import LedgerEntry, PointRule, PointRuleChange, PointsSettings
from points.rules import point_rule_save, points_settings_update

pytestmark = pytest.mark.django_db


def test_the_spec_table_is_seeded_from_the_campaign_start():
    rules = {(r.task_number, r.points_group): r.points for r in PointRule.objects.all()}

    assert (
        rules[(1, 1)] == Decimal("0.50") and rules[(1, 2)] == Decimal("1") and rules[(1, 3)] == Decimal("3")
    )
    assert [rules[(4, g)] for g in (1, 2, 3)] == [Decimal("1.5"), Decimal("1.5"), Decimal("2")]
    assert [rules[(3, g)] for g in (1, 2, 3)] == [Decimal("1"), Decimal("1"), Decimal("1.5")]
    assert [rules[(5, g)] for g in (1, 2, 3)] == [Decimal("1"), Decimal("1"), Decimal("1.5")]
    assert {rules[(2, g)] for g in (1, 2, 3)} == {Decimal("1")}
    assert len(rules) == 18
    start = PointRule.objects.get(task_number=1, points_group=1).effective_from
    assert timezone.localtime(start).date().isoformat() == "2025-03-01"


def test_accepted_images_earn_their_group_in_half_point_steps(contributor, decide_image, confirmed_points):
    decide_image(contributor, ("ID",))
    decide_image(contributor, ("SG",))
    decide_image(contributor, ("PH",))
    assert confirmed_points(contributor) == Decimal("1.50")

    decide_image(contributor, ("TH",))
    decide_image(contributor, ("LA",))
    decide_image(contributor, ("KH",), accepted=False)

    assert confirmed_points(contributor) == Decimal("5.50")
    credits = LedgerEntry.objects.filter(contributor=contributor)
    assert credits.count() == 5
    assert all(entry.kind == "credit" and entry.rule_id for entry in credits)
    assert "accepted" in credits.first().reason


def test_an_image_naming_several_countries_earns_the_lowest_group_unless_admins_switch(
    contributor, decide_image, confirmed_points, make_user
):
    decide_image(contributor, ("KH", "ID"))
    assert confirmed_points(contributor) == Decimal("0.50")

    admin = make_user()
    points_settings_update(multi_country_rule=PointsSettings.MultiCountryRule.HIGHEST, updated_by=admin)
    decide_image(contributor, ("KH", "ID"))
    assert confirmed_points(contributor) == Decimal("3.50")

    points_settings_update(multi_country_rule=PointsSettings.MultiCountryRule.FIRST, updated_by=admin)
    decide_image(contributor, ("MY", "LA"))  # the event names them sorted: LA first
    assert confirmed_points(contributor) == Decimal("6.50")


def test_a_rule_change_mid_campaign_applies_from_its_effective_date_and_is_recorded(
    contributor, decide_image, confirmed_points, make_user
):
    admin = make_user()
    decide_image(contributor, ("ID",))
    rule = point_rule_save(
        rule=None,
        task_number=1,
        points_group=1,
        points=Decimal("0.75"),
        effective_from=timezone.now(),
        changed_by=admin,
    )
    decide_image(contributor, ("ID",))
    decide_image(contributor, ("VN",))

    assert confirmed_points(contributor) == Decimal("0.50") + Decimal("0.75") + Decimal("1")
    change = PointRuleChange.objects.filter(rule=rule).get()
    assert change.changed_by == admin and change.new_points == Decimal("0.75") and change.old_points is None


def test_text_tasks_follow_the_language_country_and_prompts_their_country(contributor, confirmed_points):
    now = timezone.now()
    common = {"contributor_id": contributor.pk, "occurred_at": now}
    ledger_credit_event(
        task_number=3, source="texttasks.translation", source_id=1, language_code="khm", **common
    )
    ledger_credit_event(
        task_number=3, source="texttasks.translation", source_id=2, language_code="tha", **common
    )
    ledger_credit_event(
        task_number=4, source="texttasks.question", source_id=1, language_code="tet", **common
    )
    ledger_credit_event(
        task_number=4, source="texttasks.question", source_id=2, language_code="ind", **common
    )
    ledger_credit_event(
        task_number=5, source="texttasks.prompt", source_id=1, country_codes=("MM",), **common
    )
    ledger_credit_event(task_number=2, source="review.rating", source_id=1, **common)

    assert confirmed_points(contributor, 3) == Decimal("2.50")
    assert confirmed_points(contributor, 4) == Decimal("3.50")
    assert confirmed_points(contributor, 5) == Decimal("1.50")
    assert confirmed_points(contributor, 2) == Decimal("1.00")


def test_crediting_the_same_event_twice_is_refused_by_the_ledger(contributor, decide_image, confirmed_points):
    submission = decide_image(contributor, ("LA",))
    with pytest.raises(AlreadyCredited):
        ledger_credit_event(
            contributor_id=contributor.pk,
            task_number=1,
            source="contributions.imagesubmission",
            source_id=submission.pk,
            occurred_at=submission.decided_at,
            country_codes=("LA",),
        )
    assert confirmed_points(contributor) == Decimal("3")


def test_a_reversal_takes_back_the_credit_once_and_a_reacceptance_credits_again(
    contributor, decide_image, confirmed_points, django_capture_on_commit_callbacks
):
    from contributions.decisions import image_submission_event

    submission = decide_image(contributor, ("TL",))
    first_reversal = image_submission_event(
        submission, EventKind.REVERSED, reason="Removed: not the contributor's photo"
    )
    for _attempt in range(2):  # a redelivered message changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            publish(first_reversal)
    assert confirmed_points(contributor) == Decimal("0")
    reversal = LedgerEntry.objects.get(kind="reversal")
    assert reversal.points == Decimal("-3") and reversal.reason == "Removed: not the contributor's photo"

    submission.decided_at = timezone.now()  # reopened and accepted again, later
    with django_capture_on_commit_callbacks(execute=True):
        publish(image_submission_event(submission, EventKind.ACCEPTED))
    assert confirmed_points(contributor) == Decimal("3")
    credits = LedgerEntry.objects.filter(kind="credit").order_by("generation")
    assert list(credits.values_list("generation", flat=True)) == [0, 1]

    # The first reversal's message, delivered again now, does not take back the new credit.
    with django_capture_on_commit_callbacks(execute=True):
        publish(first_reversal._replace())
    assert confirmed_points(contributor) == Decimal("3")


def test_ledger_entries_cannot_be_changed_or_deleted(contributor, decide_image):
    decide_image(contributor, ("ID",))
    entry = LedgerEntry.objects.get()
    for statement in (
        "UPDATE points_ledgerentry SET points = 100 WHERE id = %s",
        "DELETE FROM points_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert LedgerEntry.objects.get().points == Decimal("0.50")


def test_a_late_event_before_the_first_rule_earns_the_first_rule(contributor, confirmed_points):
    ledger_credit_event(
        contributor_id=contributor.pk,
        task_number=1,
        source="contributions.imagesubmission",
        source_id=999,
        occurred_at=timezone.now() - timedelta(days=3650),
        country_codes=("BN",),
    )
    assert confirmed_points(contributor) == Decimal("3")


def test_an_event_published_by_a_rolled_back_decision_is_never_heard(contributor, image_in_review):
    submission = image_in_review(contributor, ("ID",))
    try:
        with transaction.atomic():
            publish(
                ContributionEvent(
                    kind=EventKind.ACCEPTED,
                    task_number=1,
                    contributor_id=contributor.pk,
                    source="contributions.imagesubmission",
                    source_id=submission.pk,
                    occurred_at=timezone.now(),
                    country_codes=("ID",),
                )
            )
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert not LedgerEntry.objects.exists()
