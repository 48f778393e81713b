"""How a rating reaches the points ledger: the event a rating sends when it starts or stops counting, and
what Task 2 owes right now (one COUNTED event per rating that counts, for the recomputation)."""

from collections.abc import Iterator

from django.db.models import F, QuerySet, Value

from campaign.events import ContributionEvent, EventKind
from review.models import AnnotatorPause, Rating
from review.types import RATING_SOURCE, TASK_NUMBER


def rating_event(
    rating_id: int, annotator_id: int, occurred_at, country_codes: str, kind: str
) -> ContributionEvent:
    return ContributionEvent(
        kind=kind,
        task_number=TASK_NUMBER,
        contributor_id=annotator_id,
        source=RATING_SOURCE,
        source_id=rating_id,
        occurred_at=occurred_at,
        country_codes=tuple(c for c in country_codes.split(",") if c),
    )


def _counted_ratings() -> QuerySet[Rating]:
    paused = AnnotatorPause.objects.filter(reinstated_at__isnull=True).values("user_id")
    return Rating.objects.filter(counted=True).exclude(annotator_id__in=paused).order_by()


def counted_ratings_as_rows() -> list[QuerySet]:
    """The records of `counted_ratings_as_events`, as a queryset the recomputation runs in PostgreSQL."""
    return [
        _counted_ratings().values(
            event_source=Value(RATING_SOURCE),
            event_source_id=F("pk"),
            event_contributor_id=F("annotator_id"),
            event_task_number=Value(TASK_NUMBER),
            event_occurred_at=F("created_at"),
            event_country_codes=F("item__country_codes"),
            event_language_code=Value(""),
        )
    ]


def counted_ratings_as_events() -> Iterator[ContributionEvent]:
    rows = _counted_ratings().values_list("pk", "annotator_id", "created_at", "item__country_codes")
    for rating_id, annotator_id, created_at, codes in rows.iterator(chunk_size=10_000):
        yield rating_event(rating_id, annotator_id, created_at, codes, EventKind.COUNTED)
