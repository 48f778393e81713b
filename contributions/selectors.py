"""Reads of Task 1: a contributor's own images, who may see a file, near-duplicate candidates."""

from django.db import connection
from django.db.models import QuerySet

from accounts.roles import is_annotator, is_organizer
from campaign.errors import NotFound
from campaign.prepared import prepared_fetchall
from contributions.hashing import near_duplicate_sql, unsigned
from contributions.models import ImageSubmission


def image_submissions_of(*, contributor, status: str | None = None) -> QuerySet[ImageSubmission]:
    """The contributor's own submissions, newest first, with their countries in one more query."""
    queryset = ImageSubmission.objects.filter(contributor=contributor).prefetch_related("countries")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def is_valid_id(value) -> bool:
    """A primary key PostgreSQL can hold (a URL may carry any number of digits)."""
    return isinstance(value, int) and 0 < value < 2**63


def image_submission_of(*, contributor, submission_id: int) -> ImageSubmission:
    """One of the contributor's own submissions; someone else's is 'not found', like a missing one."""
    if not is_valid_id(submission_id):
        raise NotFound()
    submission = (
        ImageSubmission.objects.filter(contributor=contributor, pk=submission_id)
        .prefetch_related("countries")
        .first()
    )
    if submission is None:
        raise NotFound()
    return submission


def image_submission_by_key_of(*, contributor, key) -> ImageSubmission:
    """One of the contributor's own submissions by its file key (the API's file links)."""
    submission = ImageSubmission.objects.filter(contributor=contributor, key=key).first()
    if submission is None:
        raise NotFound()
    return submission


def image_submission_lock_own(*, contributor, submission_id: int) -> ImageSubmission:
    """One of the contributor's own submissions, its row locked for the change that follows (inside the
    caller's transaction); someone else's is 'not found', like a missing one."""
    if not is_valid_id(submission_id):
        raise NotFound()
    submission = (
        ImageSubmission.objects.select_for_update().filter(pk=submission_id, contributor=contributor).first()
    )
    if submission is None:
        raise NotFound()
    return submission


def image_submission_for_viewer(*, user, key) -> ImageSubmission:
    """The submission whose files `user` may see: their own, or any for annotators and organizers."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    submission = ImageSubmission.objects.filter(key=key).first()
    if submission is None:
        raise NotFound()
    if submission.contributor_id == user.pk or is_annotator(user) or is_organizer(user):
        return submission
    raise NotFound()


def near_duplicate_candidates(
    *, phash: int, distance: int, exclude_id: int | None = None
) -> list[tuple[int, int]]:
    """(id, phash) of every checked submission whose perceptual hash is at most `distance` bits away, by id.

    PostgreSQL: multi-index hashing over the four indexed bands (each probed with the values within its
    radius, made in the server from the one hash sent, contributions.hashing), verified with the exact
    distance inside the index-only scans; a hash near on two bands comes back from each, and is kept once.
    Elsewhere (SQLite for `make run`): a plain scan.
    """
    if connection.vendor != "postgresql":
        target = unsigned(phash)
        rows = ImageSubmission.objects.filter(phash__isnull=False).values_list("pk", "phash")
        return sorted(  # by id, as PostgreSQL's answer (the model's ordering is another)
            (pk, value)
            for pk, value in rows.iterator(chunk_size=5000)
            if pk != exclude_id and (unsigned(value) ^ target).bit_count() <= distance
        )
    sql, params = near_duplicate_sql(phash=phash, distance=distance, table=ImageSubmission._meta.db_table)
    rows = prepared_fetchall(sql, params)  # planned once per connection: the same text for every hash
    return sorted({(pk, value) for pk, value in rows if pk != exclude_id})
