"""What Task 2 owes in points right now: one COUNTED event per rating that counts (for the recomputation)."""

from collections.abc import Iterator

from campaign.events import ContributionEvent, EventKind
from review.models import AnnotatorPause, Rating
from review.services import RATING_SOURCE, TASK_NUMBER


def counted_ratings_as_events() -> Iterator[ContributionEvent]:
    paused = AnnotatorPause.objects.filter(reinstated_at__isnull=True).values("user_id")
    rows = (
        Rating.objects.filter(counted=True)
        .exclude(annotator_id__in=paused)
        .values_list("pk", "annotator_id", "created_at", "item__country_codes")
    )
    for rating_id, annotator_id, created_at, codes in rows.iterator(chunk_size=10_000):
        yield ContributionEvent(
            kind=EventKind.COUNTED,
            task_number=TASK_NUMBER,
            contributor_id=annotator_id,
            source=RATING_SOURCE,
            source_id=rating_id,
            occurred_at=created_at,
            country_codes=tuple(c for c in codes.split(",") if c),
        )
