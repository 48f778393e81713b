"""What the text tasks owe in points right now: one ACCEPTED event per accepted text submission."""

from collections.abc import Iterator

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce

from campaign.events import ContributionEvent, EventKind
from texttasks.models import TASK_MODELS, SubmissionStatus


def accepted_texts_as_events() -> Iterator[ContributionEvent]:
    return _texts_as_events(status=SubmissionStatus.ACCEPTED, kind=EventKind.ACCEPTED, when="decided_at")


def accepted_texts_as_rows() -> list[QuerySet]:
    """The records of `accepted_texts_as_events`, one queryset per task, run in PostgreSQL."""
    querysets = []
    for task_number, model in TASK_MODELS.items():
        by_language = task_number in (3, 4)
        code = Coalesce(
            F("language_id" if by_language else "country_id"), Value(""), output_field=CharField()
        )
        querysets.append(
            model.objects.filter(status=SubmissionStatus.ACCEPTED)
            .order_by()
            .values(
                event_source=Value(f"texttasks.{model._meta.model_name}"),
                event_source_id=F("pk"),
                event_contributor_id=F("contributor_id"),
                event_task_number=Value(task_number),
                event_occurred_at=F("decided_at"),
                event_country_codes=Value("") if by_language else code,
                event_language_code=code if by_language else Value(""),
            )
        )
    return querysets


def pending_texts_as_events(contributor_id: int | None = None) -> Iterator[ContributionEvent]:
    """One PENDING event per text submitted and not decided yet (shown apart, never counted)."""
    return _texts_as_events(
        status=SubmissionStatus.PENDING,
        kind=EventKind.PENDING,
        when="created_at",
        contributor_id=contributor_id,
    )


def _texts_as_events(
    *, status: str, kind: str, when: str, contributor_id: int | None = None
) -> Iterator[ContributionEvent]:
    for task_number, model in TASK_MODELS.items():
        by_language = task_number in (3, 4)
        key = "language_id" if by_language else "country_id"
        submissions = model.objects.filter(status=status)
        if contributor_id is not None:
            submissions = submissions.filter(contributor_id=contributor_id)
        rows = submissions.order_by().values_list("pk", "contributor_id", when, key)
        source = f"texttasks.{model._meta.model_name}"
        for pk, author_id, occurred_at, code in rows.iterator(chunk_size=10_000):
            yield ContributionEvent(
                kind=kind,
                task_number=task_number,
                contributor_id=author_id,
                source=source,
                source_id=pk,
                occurred_at=occurred_at,
                language_code=code if by_language else "",
                country_codes=() if by_language else (code,),
            )
