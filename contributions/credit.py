"""What Task 1 owes in points right now: one ACCEPTED event per accepted image (for the recomputation)."""

from collections.abc import Iterator

from campaign.events import ContributionEvent, EventKind
from contributions.models import ImageSubmission
from contributions.services import IMAGE_SOURCE


def accepted_images_as_events() -> Iterator[ContributionEvent]:
    countries: dict[int, list[str]] = {}
    through = ImageSubmission.countries.through
    rows = through.objects.filter(imagesubmission__status=ImageSubmission.Status.ACCEPTED).values_list(
        "imagesubmission_id", "country_id"
    )
    for submission_id, country in rows.iterator(chunk_size=10_000):
        countries.setdefault(submission_id, []).append(country)
    accepted = ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED).values_list(
        "pk", "contributor_id", "decided_at"
    )
    for submission_id, contributor_id, decided_at in accepted.iterator(chunk_size=10_000):
        yield ContributionEvent(
            kind=EventKind.ACCEPTED,
            task_number=1,
            contributor_id=contributor_id,
            source=IMAGE_SOURCE,
            source_id=submission_id,
            occurred_at=decided_at,
            country_codes=tuple(sorted(countries.get(submission_id, ()))),
        )
