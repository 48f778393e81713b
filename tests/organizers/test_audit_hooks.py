"""Organizer decisions made outside the admin reach the audit log through campaign.audit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import ORGANIZER
from organizers.models import AuditEvent
from points.rules import point_rule_save
from texttasks.decisions import text_submission_decide
from texttasks.models import ModerationPolicy
from texttasks.prompts import generation_chain_create

pytestmark = pytest.mark.django_db

CHAIN = [  # not the spec's own example (cendol): that one is refused
    "Draw an image of people drinking es teler.",
    "Draw an image of people drinking es teler with durian topping.",
    "Draw an image of people drinking es teler with durian topping while wearing kebaya.",
]


def test_a_point_rule_change_is_audited_with_who_and_what(make_user):
    organizer = make_user(roles=(ORGANIZER,))

    point_rule_save(
        rule=None,
        task_number=1,
        points_group=3,
        points=Decimal("4"),
        effective_from=timezone.now() + timedelta(days=1),
        changed_by=organizer,
    )

    event = AuditEvent.objects.get(action="point_rule.change")
    assert event.actor == organizer
    assert event.details["new_points"] == "4.00" and event.details["points_group"] == 3


def test_a_text_moderation_decision_is_audited(make_user):
    organizer = make_user(roles=(ORGANIZER,))
    author = make_user()
    assert ModerationPolicy.objects.get(task_id=5).mode == ModerationPolicy.Mode.ORGANIZERS
    level_1, *_rest = generation_chain_create(user=author, country_code="ID", levels=CHAIN)

    text_submission_decide(
        task_number=5,
        submission_id=level_1.pk,
        accepted=False,
        reason="Not about Indonesia.",
        decided_by=organizer,
    )

    event = AuditEvent.objects.get(action="moderation.reject")
    assert event.actor == organizer and event.details["reason"] == "Not about Indonesia."
    assert event.target_id == str(level_1.pk)
