"""What a screening page tells its reader: the pass mark, the attempts left, the 1-5 scale's labels."""

import math

from django import template

from review.conf import conf
from review.models import Relevance

register = template.Library()


def _allowance(user):
    from review.selectors import screening_allowance

    return screening_allowance(user=user)


@register.simple_tag
def screening_facts(user, items: int | None = None, *, after_this: bool = False) -> dict:
    """pass_count of items (at the pass mark), pass_percent, attempts_left (after the open test when
    after_this), attempts_allowed."""
    items = items or conf("REVIEW_SCREENING_ITEMS")
    mark = conf("REVIEW_SCREENING_PASS_MARK")
    allowance = _allowance(user)
    left = max(0, allowance.attempts_allowed - allowance.attempts_used - (1 if after_this else 0))
    return {
        "items": items,
        "pass_count": math.ceil(mark * items - 1e-9),
        "pass_percent": round(mark * 100),
        "attempts_left": left,
        "attempts_allowed": allowance.attempts_allowed,
    }


@register.simple_tag
def relevance_choices() -> list[tuple[int, str]]:
    """The 1-5 scale with the rating page's labels."""
    return [(value, label) for value, label in Relevance.choices]
