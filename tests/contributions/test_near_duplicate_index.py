"""Multi-index hashing finds exactly what comparing with every stored hash finds."""

import importlib
import random

import pytest
from django.db import connection

from contributions.hashing import (
    BAND_WIDTHS,
    band_radii,
    band_sql,
    bands_of,
    near_duplicate_sql,
    probe_values,
    shipped_near_duplicate_sql,
    signed,
    unsigned,
)

pytestmark = pytest.mark.django_db

BANDS = ", ".join(f"phash_band{band} integer" for band in range(len(BAND_WIDTHS)))
BAND_COLUMNS = ", ".join(f"phash_band{band}" for band in range(len(BAND_WIDTHS)))


def test_bands_cover_the_64_bits_and_probes_are_every_value_within_the_radius():
    value = signed(0xFEDC_BA98_7654_3210)
    bands = bands_of(value)
    rebuilt, offset = 0, 0
    for band, width in zip(bands, BAND_WIDTHS, strict=True):
        rebuilt |= band << offset
        offset += width
    assert offset == 64 and rebuilt == unsigned(value)
    probes = probe_values(0b1011, 2, 16)
    assert len(probes) == len(set(probes)) == 137
    assert all((probe ^ 0b1011).bit_count() <= 2 for probe in probes)
    assert probe_values(0b1011, -1, 16) == []


@pytest.mark.parametrize("distance", range(0, 17))
def test_the_radii_leave_no_near_hash_unprobed(distance):
    # Pigeonhole: were every band more than its radius apart, the hashes would be more than `distance`
    # apart; so the radii's (r + 1) must add up to more than the distance.
    radii = band_radii(distance, len(BAND_WIDTHS))
    assert sum(r + 1 for r in radii) > distance and min(radii) >= -1
    assert max(radii) - min(radii) <= 1 and radii == tuple(sorted(radii, reverse=True))


def _hashes_table(cursor, stored: list[int]) -> list[tuple]:
    cursor.execute(f"CREATE TEMP TABLE hashes (id bigserial PRIMARY KEY, phash bigint, {BANDS})")
    cursor.executemany("INSERT INTO hashes (phash) VALUES (%s)", [(value,) for value in stored])
    assignments = ", ".join(f"phash_band{band} = {expr}" for band, expr in enumerate(band_sql("phash")))
    cursor.execute(f"UPDATE hashes SET {assignments}")  # noqa: S608 - our own constant expressions
    cursor.execute(f"SELECT id, phash, {BAND_COLUMNS} FROM hashes")  # noqa: S608
    rows = cursor.fetchall()
    assert all(tuple(row[2:]) == bands_of(row[1]) for row in rows)  # SQL and Python cut alike
    return rows


def _planted(rng: random.Random, query: int, bits: int) -> int:
    value = unsigned(query)
    for position in rng.sample(range(64), bits):
        value ^= 1 << position
    return signed(value)


@pytest.mark.parametrize("distance", [8, 5, 2, 0])
def test_lookup_agrees_with_a_full_scan_at_every_distance(distance):
    rng = random.Random(7 + distance)
    stored = [signed(rng.getrandbits(64)) for _ in range(5000)]
    queries = [signed(rng.getrandbits(64)) for _ in range(30)]
    for query in queries:  # neighbours at every distance from 0 to one past the threshold, and far ones
        stored += [_planted(rng, query, bits) for bits in [*range(distance + 2), 12]]
    with connection.cursor() as cursor:
        rows = _hashes_table(cursor, stored)
        for query in queries:
            sql, params = near_duplicate_sql(phash=query, distance=distance, table="hashes")
            cursor.execute(sql, params)
            found = {row[0] for row in cursor.fetchall()}
            expected = {
                pk for pk, value, *_ in rows if (unsigned(value) ^ unsigned(query)).bit_count() <= distance
            }
            assert found == expected and len(expected) >= distance + 1


def test_the_previous_lookup_found_the_same(db):
    # The bench times the previous lookup (probe values made in Python and sent as arrays) beside the
    # portal's (made in the server): both must find what the full scan finds.
    rng = random.Random(11)
    stored = [signed(rng.getrandbits(64)) for _ in range(3000)]
    queries = [signed(rng.getrandbits(64)) for _ in range(15)]
    for query in queries:
        stored += [_planted(rng, query, bits) for bits in range(10)]
    with connection.cursor() as cursor:
        rows = _hashes_table(cursor, stored)
        for query in queries:
            expected = {pk for pk, value, *_ in rows if (unsigned(value) ^ unsigned(query)).bit_count() <= 8}
            sql, params = shipped_near_duplicate_sql(phash=query, distance=8, table="hashes")
            cursor.execute(sql, params)
            assert {row[0] for row in cursor.fetchall()} == expected and len(expected) >= 9


def test_one_statement_text_serves_every_hash():
    # Prepared once per connection: the text must not change with the hash, only with the distance.
    texts = {
        near_duplicate_sql(phash=signed(value), distance=8, table="hashes")[0]
        for value in (0, 1, -1, 1 << 62)
    }
    assert len(texts) == 1
    assert near_duplicate_sql(phash=0, distance=5, table="hashes")[0] not in texts


def test_the_migration_cuts_stored_hashes_as_the_pipeline_does():
    migration = importlib.import_module("contributions.migrations.0110_phash_four_bands")
    rng = random.Random(3)
    stored = [signed(rng.getrandbits(64)) for _ in range(500)] + [0, -1, signed(1 << 63), (1 << 63) - 1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE contributions_imagesubmission (id bigserial, phash bigint, {BANDS})"
        )
        cursor.executemany(
            "INSERT INTO contributions_imagesubmission (phash) VALUES (%s)", [(v,) for v in stored]
        )
        cursor.execute("INSERT INTO contributions_imagesubmission (phash) VALUES (NULL)")
        cursor.execute(migration.FOUR_BANDS)  # the temp table shadows the real one in this session
        cursor.execute(f"SELECT phash, {BAND_COLUMNS} FROM contributions_imagesubmission")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == len(stored) + 1
    assert all(tuple(row[1:]) == (bands_of(row[0]) if row[0] is not None else (None,) * 4) for row in rows)
