"""Text submissions waiting for a decision show as pending points, apart from confirmed ones."""

from decimal import Decimal

import pytest

from points.selectors import own_points
from texttasks.prompts import generation_chain_create

pytestmark = pytest.mark.django_db

CHAIN = [  # not the spec's own example (cendol): that one is refused
    "Draw an image of people drinking es teler.",
    "Draw an image of people drinking es teler with durian topping.",
    "Draw an image of people drinking es teler with durian topping while wearing kebaya.",
]


def test_a_pending_prompt_chain_is_pending_points_never_confirmed(contributor):
    generation_chain_create(user=contributor, country_code="LA", levels=CHAIN)

    points = own_points(user=contributor)

    task5 = next(entry for entry in points.per_task if entry.task_number == 5)
    assert task5.pending_count == 3
    assert points.pending == Decimal("4.5")  # 3 levels x 1.5 (Laos is in the third group)
    assert points.confirmed == Decimal("0")
