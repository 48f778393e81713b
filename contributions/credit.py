"""What Task 1 owes in points right now: one ACCEPTED event per accepted image (for the recomputation)."""

from collections.abc import Iterator

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from campaign.events import ContributionEvent, EventKind
from contributions.decisions import IMAGE_SOURCE
from contributions.models import ImageSubmission


def accepted_images_as_events() -> Iterator[ContributionEvent]:
    countries: dict[int, list[str]] = {}
    through = ImageSubmission.countries.through
    rows = through.objects.filter(imagesubmission__status=ImageSubmission.Status.ACCEPTED).values_list(
        "imagesubmission_id", "country_id"
    )
    for submission_id, country in rows.iterator(chunk_size=10_000):
        countries.setdefault(submission_id, []).append(country)
    accepted = ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED).values_list(
        "pk", "contributor_id", "decided_at", "created_at"
    )
    for submission_id, contributor_id, decided_at, created_at in accepted.iterator(chunk_size=10_000):
        yield ContributionEvent(
            kind=EventKind.ACCEPTED,
            task_number=1,
            contributor_id=contributor_id,
            source=IMAGE_SOURCE,
            source_id=submission_id,
            occurred_at=decided_at or created_at,  # an image accepted before decisions were timed
            country_codes=tuple(sorted(countries.get(submission_id, ()))),
        )


def accepted_images_as_rows() -> list[QuerySet]:
    """The records of `accepted_images_as_events`, as a queryset the recomputation runs in PostgreSQL.

    The countries come from the image's own row (`ImageSubmission.country_codes`, the codes in byte order
    as Python's sorted() orders them in the events, kept by the database from the countries' table): one
    pass over the accepted images, no lookup of each image's countries."""
    accepted = ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED).order_by()
    return [
        accepted.values(
            event_source=Value(IMAGE_SOURCE),
            event_source_id=F("pk"),
            event_contributor_id=F("contributor_id"),
            event_task_number=Value(1),
            event_occurred_at=Coalesce("decided_at", "created_at"),
            event_country_codes=F("country_codes"),
            event_language_code=Value(""),
        )
    ]


def pending_images_as_events(contributor_id: int | None = None) -> Iterator[ContributionEvent]:
    """One PENDING event per image submitted and not decided yet (pending checks or in review)."""
    undecided = (ImageSubmission.Status.PENDING, ImageSubmission.Status.IN_REVIEW)
    submissions = ImageSubmission.objects.filter(status__in=undecided)
    if contributor_id is not None:
        submissions = submissions.filter(contributor_id=contributor_id)
    countries: dict[int, list[str]] = {}
    through = ImageSubmission.countries.through
    rows = through.objects.filter(imagesubmission__in=submissions).values_list(
        "imagesubmission_id", "country_id"
    )
    for submission_id, country in rows.iterator(chunk_size=10_000):
        countries.setdefault(submission_id, []).append(country)
    for submission_id, owner_id, created_at in submissions.values_list(
        "pk", "contributor_id", "created_at"
    ).iterator(chunk_size=10_000):
        yield ContributionEvent(
            kind=EventKind.PENDING,
            task_number=1,
            contributor_id=owner_id,
            source=IMAGE_SOURCE,
            source_id=submission_id,
            occurred_at=created_at,
            country_codes=tuple(sorted(countries.get(submission_id, ()))),
        )
