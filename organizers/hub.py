"""The organizers' hub: every queue that waits on an organizer, with how many wait in each (reads only).

Each queue is one `HubQueue`: a name, how many wait, the page that works through them (or None when the
work is done in the admin and the reader has no staff access, with a note saying so).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

TEXT_TASKS = (3, 4, 5, 6)
# Rater flags that call for an organizer to consider taking the image down (review.models.Flag).
TAKE_DOWN_FLAGS = ("not_own_photo", "personal_data", "unsafe")


@dataclass(frozen=True)
class HubQueue:
    key: str
    title: str
    description: str
    waiting: int
    url: str | None
    note: str = ""


def adjudication_waiting() -> int:
    from review.models import ReviewItem

    return ReviewItem.objects.filter(state=ReviewItem.State.ADJUDICATION).count()


def text_moderation_waiting() -> dict[int, int]:
    """Pending submissions of Tasks 3 to 6, per task."""
    from texttasks.models import GenerationPrompt, SubmissionStatus, TextPrompt, Translation, VisualQuestion

    models = {3: Translation, 4: VisualQuestion, 5: GenerationPrompt, 6: TextPrompt}
    return {
        number: model.objects.filter(status=SubmissionStatus.PENDING).count() for number, model in models.items()
    }


def take_down_candidates() -> int:
    """Images still shown that a rater flagged (not the contributor's own, personal data, unsafe)."""
    from contributions.models import ImageSubmission
    from review.models import Rating

    live = (ImageSubmission.Status.PENDING, ImageSubmission.Status.IN_REVIEW, ImageSubmission.Status.ACCEPTED)
    return (
        Rating.objects.filter(flag__in=TAKE_DOWN_FLAGS, item__submission__status__in=live)
        .values("item_id")
        .distinct()
        .count()
    )


def reward_claims() -> dict[str, int]:
    from points.models import CoauthorshipClaim, MerchandiseClaim

    return {"merchandise": MerchandiseClaim.objects.count(), "coauthorship": CoauthorshipClaim.objects.count()}


def screening_tries_exhausted() -> int:
    """Contributors who used every screening attempt they have and are not annotators: only an
    organizer's extra try lets them take the test again."""
    from review.conf import conf
    from review.models import AnnotatorQualification, ScreeningAttempt, ScreeningExtraTry

    used = dict(
        ScreeningAttempt.objects.filter(submitted_at__isnull=False)
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    if not used:
        return 0
    granted = dict(
        ScreeningExtraTry.objects.filter(user_id__in=used)
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    qualified = set(AnnotatorQualification.objects.filter(user_id__in=used).values_list("user_id", flat=True))
    limit = conf("REVIEW_SCREENING_MAX_ATTEMPTS")
    return sum(
        1 for user_id, n in used.items() if user_id not in qualified and n >= limit + granted.get(user_id, 0)
    )


def _admin_url(name: str, user) -> str | None:
    return reverse(name) if user.is_staff else None


def hub_queues(*, user) -> list[HubQueue]:
    """The queues in the order an organizer works through them."""
    no_admin = _("Done in the admin, which needs staff access: ask an administrator.")
    texts = text_moderation_waiting()
    claims = reward_claims()
    queues = [
        HubQueue(
            "adjudication",
            _("Adjudication"),
            _("Images the annotators disagree on: accept or reject each one."),
            adjudication_waiting(),
            reverse("review:organizer-adjudication"),
        ),
    ]
    moderation = reverse("texttasks:moderation")
    for number in TEXT_TASKS:
        queues.append(
            HubQueue(
                f"moderation-{number}",
                _("Text moderation, Task %(number)s") % {"number": number},
                _("Texts waiting for a decision."),
                texts[number],
                f"{moderation}?task={number}&status=pending",
            )
        )
    take_down_url = _admin_url("admin:contributions_imagesubmission_changelist", user)
    queues.append(
        HubQueue(
            "take-down",
            _("Take-down requests"),
            _("Images an annotator flagged (not the contributor's own, personal data, unsafe)."),
            take_down_candidates(),
            take_down_url,
            "" if take_down_url else no_admin,
        )
    )
    queues.append(
        HubQueue(
            "rewards",
            _("Reward claims"),
            _("%(merchandise)s merchandise and %(coauthorship)s co-authorship claims to send or check.")
            % claims,
            claims["merchandise"] + claims["coauthorship"],
            reverse("points:organizers"),
        )
    )
    grants_url = _admin_url("admin:review_screeningattempt_changelist", user)
    queues.append(
        HubQueue(
            "screening",
            _("Screening tries"),
            _("Contributors who used every screening attempt: grant another try where it is deserved."),
            screening_tries_exhausted(),
            grants_url,
            "" if grants_url else no_admin,
        )
    )
    return queues
