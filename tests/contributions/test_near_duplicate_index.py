"""Multi-index hashing finds exactly what comparing with every stored hash finds."""

import random

import pytest
from django.db import connection

from contributions.hashing import (
    BAND_WIDTHS,
    band_sql,
    bands_of,
    near_duplicate_sql,
    probe_values,
    signed,
    unsigned,
)

pytestmark = pytest.mark.django_db


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


def test_lookup_agrees_with_a_full_scan_at_every_distance():
    rng = random.Random(7)
    stored = [signed(rng.getrandbits(64)) for _ in range(5000)]
    queries = [signed(rng.getrandbits(64)) for _ in range(40)]
    for query in queries:  # plant neighbours 0..12 bits away
        for bits in (0, 3, 6, 8, 9, 12):
            value = unsigned(query)
            for position in rng.sample(range(64), bits):
                value ^= 1 << position
            stored.append(signed(value))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE hashes (id bigserial PRIMARY KEY, phash bigint, "
            "phash_band0 integer, phash_band1 integer, phash_band2 integer)"
        )
        cursor.executemany("INSERT INTO hashes (phash) VALUES (%s)", [(value,) for value in stored])
        assignments = ", ".join(f"phash_band{band} = {expr}" for band, expr in enumerate(band_sql("phash")))
        cursor.execute(f"UPDATE hashes SET {assignments}")  # noqa: S608 - our own constant expressions
        cursor.execute("SELECT id, phash, phash_band0, phash_band1, phash_band2 FROM hashes")
        rows = cursor.fetchall()
        assert all(tuple(row[2:]) == bands_of(row[1]) for row in rows)  # SQL and Python cut alike

        for query in queries:
            sql, params = near_duplicate_sql(phash=query, distance=8, table="hashes")
            cursor.execute(sql, params)
            found = {row[0] for row in cursor.fetchall()}
            expected = {pk for pk, value, *_ in rows if (unsigned(value) ^ unsigned(query)).bit_count() <= 8}
            assert found == expected and len(expected) >= 4
