"""What the text tasks owe in points right now: one ACCEPTED event per accepted text submission."""

from collections.abc import Iterator

from campaign.events import ContributionEvent, EventKind
from texttasks.models import TASK_MODELS, SubmissionStatus


def accepted_texts_as_events() -> Iterator[ContributionEvent]:
    for task_number, model in TASK_MODELS.items():
        by_language = task_number in (3, 4)
        key = "language_id" if by_language else "country_id"
        rows = (
            model.objects.filter(status=SubmissionStatus.ACCEPTED)
            .order_by()
            .values_list("pk", "contributor_id", "decided_at", key)
        )
        source = f"texttasks.{model._meta.model_name}"
        for pk, contributor_id, decided_at, code in rows.iterator(chunk_size=10_000):
            yield ContributionEvent(
                kind=EventKind.ACCEPTED,
                task_number=task_number,
                contributor_id=contributor_id,
                source=source,
                source_id=pk,
                occurred_at=decided_at,
                language_code=code if by_language else "",
                country_codes=() if by_language else (code,),
            )
