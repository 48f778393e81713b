"""The portal's near-duplicate lookup (`near_duplicate_candidates`) finds exactly what comparing with every
stored hash finds: on PostgreSQL through its server-side prepared statement, also once the statement is gone
(a new connection, DEALLOCATE ALL, DISCARD ALL, a rollback), and on the embedded SQLite through its scan."""

import random
import textwrap
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from contributions.hashing import bands_of, signed, unsigned
from contributions.models import ImageSubmission
from contributions.selectors import near_duplicate_candidates
from tests.embedded import embedded_manage

# The statement as the server keeps it prepared (psycopg names the parameters $1, $2).
PREPARED_LOOKUP = "SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql AND statement LIKE %s"
LOOKUP_TEXT = (
    "SELECT id, phash FROM contributions_imagesubmission WHERE phash IS NOT NULL AND phash_band0 = ANY(%"
)


def _flipped(rng: random.Random, value: int, bits: int) -> int:
    for position in rng.sample(range(64), bits):
        value = unsigned(value) ^ (1 << position)
    return signed(value)


def _stored_hashes(contributor, rng: random.Random, queries: list[int]) -> dict[int, int]:
    """Checked submissions' hash columns as the pipeline writes them (the hash and its bands, one save):
    random hashes, and around every query neighbours from 0 to 12 bits away. {id: phash}."""
    values = [signed(rng.getrandbits(64)) for _ in range(2500)]
    for query in queries:
        values += [_flipped(rng, query, bits) for bits in [*range(10), 12]]
    values += [0, -1, signed(1 << 63), (1 << 63) - 1]  # the ends of the signed range
    now = datetime.now(UTC)
    rows = []
    for value in values:
        band0, band1, band2, band3 = bands_of(value)
        rows.append(
            ImageSubmission(
                contributor=contributor,
                status=ImageSubmission.Status.IN_REVIEW,
                description="A hash of a checked photo",
                native_language_code="ind",
                native_language_name="Indonesian",
                license_confirmed_at=now,
                phash=value,
                phash_band0=band0,
                phash_band1=band1,
                phash_band2=band2,
                phash_band3=band3,
            )
        )
    created = ImageSubmission.objects.bulk_create(rows, batch_size=1000)
    ImageSubmission.objects.bulk_create(  # without a hash yet (not checked): never a candidate
        [
            ImageSubmission(
                contributor=contributor,
                description="Not checked yet",
                native_language_code="ind",
                native_language_name="Indonesian",
                license_confirmed_at=now,
            )
        ]
    )
    return {submission.pk: submission.phash for submission in created}


def _full_scan(stored: dict[int, int], query: int, distance: int, exclude_id=None) -> list[tuple[int, int]]:
    return sorted(
        (pk, value)
        for pk, value in stored.items()
        if pk != exclude_id and (unsigned(value) ^ unsigned(query)).bit_count() <= distance
    )


def _prepared_on_this_connection() -> int:
    with connection.cursor() as cursor:
        cursor.execute(PREPARED_LOOKUP, [LOOKUP_TEXT])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_prepared_lookup_finds_what_a_full_scan_finds_also_once_the_statement_is_gone(contributor):
    rng = random.Random(16)
    queries = [signed(rng.getrandbits(64)) for _ in range(12)]
    stored = _stored_hashes(contributor, rng, queries)

    def agree(distances=(8, 5, 0)) -> None:
        for distance in distances:
            for query in queries:
                expected = _full_scan(stored, query, distance)
                assert near_duplicate_candidates(phash=query, distance=distance) == expected
                assert len(expected) >= distance + 1  # the planted neighbours within the distance
        query = queries[0]
        excluded = _full_scan(stored, query, 8)[0][0]
        assert near_duplicate_candidates(phash=query, distance=8, exclude_id=excluded) == _full_scan(
            stored, query, 8, exclude_id=excluded
        )

    agree()
    assert _prepared_on_this_connection() == 3  # one statement a distance: the path timed is the one tested
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    connection.close()  # a reconnect: the new session has no prepared statement
    agree(distances=(8,))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != backend
    assert _prepared_on_this_connection() == 1

    for forget in ("DEALLOCATE ALL", "DISCARD ALL"):  # what a pool's reset runs between two clients
        with connection.cursor() as cursor:
            cursor.execute(forget)
        assert _prepared_on_this_connection() == 0
        agree(distances=(8,))
        assert _prepared_on_this_connection() == 1

    with pytest.raises(ZeroDivisionError), transaction.atomic():  # a check that fails and rolls back
        agree(distances=(8,))
        raise ZeroDivisionError
    assert _prepared_on_this_connection() == 0  # psycopg deallocates what it prepared when rolling back
    agree(distances=(8,))
    assert _prepared_on_this_connection() == 1


def test_the_embedded_sqlite_lookup_finds_what_a_full_scan_finds(tmp_path):
    # `make run`'s database has no band indexes to probe: its own path scans every stored hash.
    script = textwrap.dedent(
        """
        import random
        from django.contrib.auth import get_user_model
        from django.db import connection
        from tests.contributions import test_near_duplicate_lookup as t

        assert connection.vendor == "sqlite"
        contributor = get_user_model().objects.create_user(username="hashes", email="hashes@example.org")
        rng = random.Random(17)
        queries = [t.signed(rng.getrandbits(64)) for _ in range(6)]
        stored = t._stored_hashes(contributor, rng, queries)
        for distance in (8, 3, 0):
            for query in queries:
                expected = t._full_scan(stored, query, distance)
                assert t.near_duplicate_candidates(phash=query, distance=distance) == expected, query
                assert len(expected) >= distance + 1
        excluded = t._full_scan(stored, queries[0], 8)[0][0]
        assert t.near_duplicate_candidates(phash=queries[0], distance=8, exclude_id=excluded) == t._full_scan(
            stored, queries[0], 8, exclude_id=excluded
        )
        print("same answers on sqlite")
        """
    )
    _migrated, done = embedded_manage(tmp_path, ["migrate", "--noinput"], ["shell", "-c", script])
    assert "same answers on sqlite" in done.stdout
