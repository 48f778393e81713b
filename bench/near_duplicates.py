"""Near-duplicate lookup among 1,000,000 stored perceptual hashes: multi-index hashing vs. a full scan.

Creates its own database `bench_neardup` on the local PostgreSQL (DATABASE_URL's server), fills a
table shaped like `contributions_imagesubmission`'s hash columns with 1,000,000 random 64-bit hashes
(generate_series, in the server) plus planted near duplicates, builds the same partial covering band
indexes as the migration, and times the portal's own query (`contributions.selectors.near_duplicate_sql`)
against the naive `bit_count(phash # x) <= 8` scan, and beside the limit it stands against, measured in
the same run: one index probe of the band table (one band value looked up in its covering index and
verified, one round trip; target: the lookup's p95 <= 3x the probe's p95). One band's whole probe set
(`= ANY(...)` on one index) is printed too: the lookup is three of those. Drops the database at the end.
`BENCH_ROWS=100000` for a reduced run (full scale, 1,000,000, is the default).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seavl_portal .venv/bin/python bench/near_duplicates.py
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seavl_portal.settings")

from bench_database import BenchDatabase  # noqa: E402

from contributions.hashing import (  # noqa: E402
    BAND_WIDTHS,
    band_sql,
    bands_of,
    near_duplicate_sql,
    probe_values,
    signed,
)

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
DISTANCE = 8
QUERIES = 300
NAIVE_QUERIES = 20
TABLE = "hashes"
TABLE4 = "hashes_4x16"
FOUR_BANDS = (16, 16, 16, 16)


def flip(value: int, bits: int, rng: random.Random) -> int:
    for position in rng.sample(range(64), bits):
        value ^= 1 << position
    return signed(value)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    rng = random.Random(20250301)
    database = BenchDatabase(
        os.environ.get("BENCH_DB_NAME", "bench_neardup")
    )  # another name for a parallel run
    database.recreate()
    try:
        with psycopg.connect(database.url, autocommit=True) as conn:
            run(conn, rng)
    finally:
        database.drop()


def run(conn, rng: random.Random) -> None:
    started = time.perf_counter()
    conn.execute(
        f"""CREATE TABLE {TABLE} (
            id bigserial PRIMARY KEY, phash bigint,
            phash_band0 integer, phash_band1 integer, phash_band2 integer, phash_band3 integer)"""
    )
    conn.execute(
        f"""INSERT INTO {TABLE} (phash)
            SELECT (floor(random() * 4294967296)::bigint << 32) # floor(random() * 4294967296)::bigint
            FROM generate_series(1, %s)""",
        [ROWS],
    )
    # Planted near duplicates (1..8 bits away from a query), so that recall can be checked.
    queries = [signed(rng.getrandbits(64)) for _ in range(QUERIES)]
    planted = [(flip(q, rng.randint(1, DISTANCE), rng),) for q in queries[: QUERIES // 2]]
    with conn.cursor() as cursor, cursor.copy(f"COPY {TABLE} (phash) FROM STDIN") as copy:
        for row in planted:
            copy.write_row(row)
    # The portal's scheme in TABLE, the textbook 4 x 16-bit one in TABLE4 (same hashes).
    conn.execute(f"CREATE TABLE {TABLE4} AS SELECT * FROM {TABLE}")
    for table, widths in ((TABLE, BAND_WIDTHS), (TABLE4, FOUR_BANDS)):
        assignments = ", ".join(
            f"phash_band{band} = {expr}" for band, expr in enumerate(band_sql("phash", widths))
        )
        conn.execute(f"UPDATE {table} SET {assignments}")
        for band in range(len(widths)):
            conn.execute(
                f"CREATE INDEX {table}_band{band} ON {table} (phash_band{band}, phash, id) "
                "WHERE phash IS NOT NULL"
            )
        conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute(f"VACUUM ANALYZE {TABLE}")
    count = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    print(f"{count:,} hashes loaded and indexed in {time.perf_counter() - started:.1f} s")

    def mih(q: int, table: str = TABLE, widths=BAND_WIDTHS) -> set[int]:
        sql, params = near_duplicate_sql(phash=q, distance=DISTANCE, table=table, widths=widths)
        return {row[0] for row in conn.execute(sql, params).fetchall()}

    def naive(q: int) -> set[int]:
        sql = f"SELECT id FROM {TABLE} WHERE bit_count((phash # %s)::bit(64)) <= %s"
        return {row[0] for row in conn.execute(sql, [q, DISTANCE]).fetchall()}

    def timed(function, *args) -> tuple[float, set[int]]:
        t0 = time.perf_counter()
        result = function(*args)
        return (time.perf_counter() - t0) * 1000, result

    for q in queries[:20]:  # warm the caches for each
        mih(q)
        mih(q, TABLE4, FOUR_BANDS)
    naive(queries[0])

    portal, four, found = [], [], 0
    for q in queries:
        elapsed, hits = timed(mih, q)
        portal.append(elapsed)
        found += bool(hits)
        four.append(timed(mih, q, TABLE4, FOUR_BANDS)[0])
    radius = DISTANCE // len(BAND_WIDTHS)
    probe_ms, band_ms = [], []
    for q in queries:
        band_value = bands_of(q)[0]
        probe_ms.append(
            timed(
                lambda q=q, v=band_value: conn.execute(
                    f"SELECT id, phash FROM {TABLE} WHERE phash IS NOT NULL AND phash_band0 = %s "  # noqa: S608
                    "AND bit_count((phash # %s)::bit(64)) <= %s",
                    [v, q, DISTANCE],
                ).fetchall()
            )[0]
        )
        band_ms.append(
            timed(
                lambda q=q, v=band_value: conn.execute(
                    f"SELECT id, phash FROM {TABLE} WHERE phash IS NOT NULL AND phash_band0 = ANY(%s) "  # noqa: S608
                    "AND bit_count((phash # %s)::bit(64)) <= %s",
                    [probe_values(v, radius, BAND_WIDTHS[0]), q, DISTANCE],
                ).fetchall()
            )[0]
        )
    naive_ms, agree = [], 0
    for q in queries[:NAIVE_QUERIES]:
        elapsed, hits = timed(naive, q)
        naive_ms.append(elapsed)
        agree += hits == mih(q) == mih(q, TABLE4, FOUR_BANDS)
    sql, params = near_duplicate_sql(phash=queries[0], distance=DISTANCE, table=TABLE)
    plan = conn.execute("EXPLAIN " + sql, params).fetchall()
    index_only = sum("Index Only Scan" in line[0] for line in plan)

    def line(label: str, values: list[float], note: str) -> None:
        print(f"  {label}")
        print(
            f"    p50 {statistics.median(values):7.2f} ms   p95 {percentile(values, 0.95):7.2f} ms   "
            f"max {max(values):7.2f} ms   {note}"
        )

    print(f"near-duplicate lookup (Hamming distance <= {DISTANCE}) among {count:,} hashes, {QUERIES} queries")
    line(
        f"portal: multi-index hashing, bands {BAND_WIDTHS} ({index_only} index-only scans)",
        portal,
        f"({found} with a hit; {QUERIES // 2} planted)",
    )
    line("textbook multi-index hashing, 4 x 16-bit bands (4 x 137 probes)", four, "")
    line("naive full scan, bit_count(phash # x) <= 8", naive_ms, f"({NAIVE_QUERIES} queries)")
    line("the limit: one index probe of the band table (one band value, verified)", probe_ms, "")
    line(
        f"one band's probe set (= ANY of {len(probe_values(0, radius, BAND_WIDTHS[0]))} values)", band_ms, ""
    )
    print(f"  same answers from all three: {agree}/{NAIVE_QUERIES}")
    p95 = percentile(portal, 0.95)
    ratio = p95 / percentile(probe_ms, 0.95)
    print(
        f"  p95 ratio to one probe: x{ratio:.1f}, target <= x3: {'met' if ratio <= 3 else 'NOT met'}; "
        f"to one band's probe set: x{p95 / percentile(band_ms, 0.95):.1f}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"  speed-up at p50 over the full scan: {statistics.median(naive_ms) / statistics.median(portal):.0f}x; "
        f"target p95 < 20 ms: {'met' if p95 < 20 else 'NOT met'} ({p95:.2f} ms)"
    )


if __name__ == "__main__":
    main()
