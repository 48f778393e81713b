"""Near-duplicate lookup among 1,000,000 stored perceptual hashes: multi-index hashing vs. a full scan.

Creates its own database `bench_neardup` (BENCH_DB_NAME for another name) on the local PostgreSQL
(DATABASE_URL's server), fills a table shaped like `contributions_imagesubmission`'s hash columns with
1,000,000 random 64-bit hashes (generate_series, in the server) plus planted near duplicates, builds the
same partial covering band indexes as the migrations, and times the portal's own query
(`contributions.hashing.near_duplicate_sql`: four bands of 18, 16, 15 and 15 bits, radii 2, 1, 1, 1, the
221 probe values made in the server from masks in the statement's text) beside, in the same run:

- the previous implementation (`shipped_near_duplicate_sql`: the same bands and index scans, the 221 probe
  values made in Python and sent as four array parameters), prepared,
- the naive `bit_count(phash # x) <= 8` scan,
- the limit it stands against: one index probe of the band table (one band value looked up in its
  covering index and verified, one round trip; target: the lookup's p95 <= 3x the probe's p95, and
  <= 5 ms), prepared on the same connection as the lookups,
- the floor of any lookup that descends the index once per probe value: as many index descents as the
  lookup makes (221 keys `= ANY(...)` on the primary key, none of them stored, the keys made in the
  server), one round trip; and the same descents with the keys sent as an array (the floor measured
  before, most of which was sending the array). On PostgreSQL 15 each value of an `= ANY(...)` is a
  descent of its own from the root. These keys all lie past the primary key's last leaf, one path that
  stays in the CPU's caches; so also
- the lookup's own 221 descents: its statement with the verification replaced by a key no hash has (an
  index condition), to the same leaves spread over the four band indexes, no candidate read: the best any
  lookup that makes these descents can do.

The lookup is timed as the portal sends it: `contributions.selectors.near_duplicate_candidates` runs the
statement through `campaign.prepared.prepared_fetchall` on Django's connection, with psycopg `prepare=True`
(a server-side prepared statement, planned once per connection; its text depends only on the distance);
that line times the same call on the bench's table. Beside it, the same call as the portal made it before
settings.py gave psycopg a `prepare_threshold` (Django's default, None: psycopg then sends even
`prepare=True` as text, parsed and planned on every call), and the statement on a plain psycopg connection,
prepared and as text. Then EXPLAIN (ANALYZE, BUFFERS, SUMMARY) of 40 lookups splits planning from
execution, as text and PREPAREd, and gives the pages a lookup reads from outside shared_buffers.
Drops the database at the end. `BENCH_ROWS=100000` for a reduced run (full scale, 1,000,000, is the
default).

`BENCH_VARIANTS=full,half` (or one of them) adds, in the same run, layouts that store band 0 with variants of
itself in a side table (meet in the middle: the stored masks XOR the probe masks cover every flip of up to
2 bits, so band 0's 172 probes become 19 or 55), each with its own lookup line, its own descents (no
candidate read), its EXPLAIN buffers, the side table's size (and what a deployment would add, having dropped
the band-0 index) and the cost of writing one image's rows (its row alone beside its row and its variants,
one committed transaction each). Measured at 1,000,000 hashes (issue 16, four runs; the machine shared,
load average 2.2 to 3.4 on 2 cores): neither meets x3. "full" (19 rows an image, 68 probes) cuts the
descents to about 0.55 of the portal's (own descents p50 0.65 to 0.72 ms against 1.10 to 1.30) but reads
~1,377 candidates from an index of 735 MB (and a heap of 946 MB: +1.6 GB per million images, against the
39 MB band-0 index it would replace), with twice the portal's pages read from outside a 128 MB
shared_buffers (23-24 against 0-14 a lookup). The lookup came out 14-22% faster at p50 (1.59-1.74 against
1.90-2.05 ms); at p95, in the steadiest run (full alone, load 2.2, one probe p95 0.53 ms), x3.9 one probe
against the portal's x4.8, and at p50 x3.7-4.3 against x4.3-5.3 in every run. Writing one image's rows
(its row and 19 variants, committed) took p95 1.8 ms against 0.9 for its row alone in that run (6.9-8.2
against 3.8-5.8 under more load). "half" (10 rows, 104 probes; +0.85 GB per million images) 2-9% faster
at p50 (x4.3-4.6 one probe). Where the load pushed one probe's p95 past 1.3 ms the ratios fell below x3 for
every line, the portal's too: those runs measure the load, not the layouts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_DB_NAME=bench_neardup \
        .venv/bin/python bench/near_duplicates.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_DB_NAME=bench_neardup BENCH_VARIANTS=full,half \
        .venv/bin/python bench/near_duplicates.py
"""

import os
import random
import re
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
    _flip_masks,
    band_radii,
    band_sql,
    bands_of,
    near_duplicate_sql,
    probe_count,
    shipped_near_duplicate_sql,
    signed,
)

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
DISTANCE = 8
QUERIES = 300
NAIVE_QUERIES = 20
TABLE = "hashes"
# BENCH_ALTERNATIVE=1: also a layout with fewer probes and more candidates, five bands of 13, 13, 13, 13
# and 12 bits with radii 1, 1, 1, 1, 0 (57 probes, ~7,100 candidates among 1,000,000), in a table of its
# own (the same hashes and ids; its five indexes then share the server's cache with the portal's four).
ALTERNATIVE = os.environ.get("BENCH_ALTERNATIVE") == "1"
ALTERNATIVE_TABLE = "hashes_five_bands"
ALTERNATIVE_WIDTHS = (13, 13, 13, 13, 12)
ALTERNATIVE_RADII = (1, 1, 1, 1, 0)
# BENCH_VARIANTS=full,half (or one of them): band 0 also stored with variants of itself (meet in the middle),
# each layout in a side table of its own, (image_id, phash, variant) with a unique index (variant, image_id)
# INCLUDE (phash): a probe of the side table with the probe masks finds every stored band 0 within 2 bits of
# the query's (every mask of up to 2 bits is a stored mask XOR a probe mask), so band 0's 172 probes of radius
# 2 become a few, and bands 1 to 3 are probed as the portal does (radius 1, 49 probes). A deployment would
# drop the band-0 index of the image table, so the extra size is the side table's less that index's.
#   full: the band and its 18 one-bit flips stored (19 rows an image), 19 probes (radius 1): 68 in all;
#   half: the band and its flips of the top 9 bits stored (10 rows), 55 probes (the band, its 18 one-bit
#         flips and its 36 two-bit flips within the low 9 bits): 104 in all.
VARIANTS = [name for name in os.environ.get("BENCH_VARIANTS", "").split(",") if name]
_LOW9_PAIRS = tuple(mask for mask in _flip_masks(9, 2) if mask.bit_count() == 2)
VARIANT_LAYOUTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {  # name: (stored masks, probe masks)
    "full": (_flip_masks(18, 1), _flip_masks(18, 1)),
    "half": ((0, *(1 << bit for bit in range(9, 18))), (*_flip_masks(18, 1), *_LOW9_PAIRS)),
}
assert set(VARIANTS) <= set(VARIANT_LAYOUTS), VARIANTS
for _stored, _probed in VARIANT_LAYOUTS.values():  # the meet in the middle covers band 0's radius 2
    assert {s ^ p for s in _stored for p in _probed} >= set(_flip_masks(BAND_WIDTHS[0], 2))
INSERTS = 300  # images inserted, one transaction each, to time the writes of each layout


def variants_table(name: str) -> str:
    return f"{TABLE}_band0_{name}"


def masks_literal(masks: tuple[int, ...]) -> str:
    return "'{" + ",".join(str(mask) for mask in masks) + "}'::integer[]"


def variants_sql(name: str) -> str:
    """The lookup with band 0 found through its stored variants: the side table probed with the probe masks
    (verified in its index-only scan, as the band indexes are), then bands 1 to 3 as the portal probes them
    (band 0 given a radius of -1, so not probed)."""
    band0 = band_sql("%(phash)s::bigint")[0]
    side = (
        f"SELECT image_id AS id, phash FROM {variants_table(name)} "  # noqa: S608
        f"WHERE variant = ANY(ARRAY(SELECT {band0}::integer # mask "
        f"FROM unnest({masks_literal(VARIANT_LAYOUTS[name][1])}) AS mask)) "
        "AND bit_count((phash # %(phash)s::bigint)::bit(64)) <= %(distance)s"
    )
    radii = (-1, *band_radii(DISTANCE, len(BAND_WIDTHS))[1:])
    others, _ = near_duplicate_sql(phash=0, distance=DISTANCE, table=TABLE, radii=radii)
    return f"{side} UNION ALL {others}"


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
    database.setup_django()  # the portal's own call (campaign.prepared) runs on Django's connection to it
    try:
        with psycopg.connect(database.url, autocommit=True) as conn:
            run(conn, rng)
    finally:
        database.drop()


def load(conn, rng: random.Random, queries: list[int]) -> int:
    bands = ", ".join(f"phash_band{band} integer" for band in range(len(BAND_WIDTHS)))
    conn.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, phash bigint, {bands})")
    # The bands cut as the rows go in (not by an UPDATE of every row after: the indexes, built next, would
    # then also hold the million dead versions, twice their live size on disk, as a live table never is).
    columns = ", ".join(f"phash_band{band}" for band in range(len(BAND_WIDTHS)))
    conn.execute(
        f"""INSERT INTO {TABLE} (phash, {columns})
            SELECT phash, {", ".join(band_sql("phash"))}
            FROM (SELECT (floor(random() * 4294967296)::bigint << 32) # floor(random() * 4294967296)::bigint
                  FROM generate_series(1, %s)) AS random_hashes (phash)""",
        [ROWS],
    )
    # Planted near duplicates (1..8 bits away from a query), so that recall can be checked.
    planted = [flip(q, rng.randint(1, DISTANCE), rng) for q in queries[: QUERIES // 2]]
    with conn.cursor() as cursor, cursor.copy(f"COPY {TABLE} (phash, {columns}) FROM STDIN") as copy:
        for value in planted:
            copy.write_row((value, *bands_of(value)))
    for band in range(len(BAND_WIDTHS)):
        conn.execute(
            f"CREATE INDEX {TABLE}_band{band} ON {TABLE} (phash_band{band}, phash, id) WHERE phash IS NOT NULL"
        )
    conn.execute(f"VACUUM ANALYZE {TABLE}")
    if ALTERNATIVE:
        bands = band_sql("phash", ALTERNATIVE_WIDTHS)
        columns = ", ".join(f"{expr} AS phash_band{band}" for band, expr in enumerate(bands))
        conn.execute(f"CREATE TABLE {ALTERNATIVE_TABLE} AS SELECT id, phash, {columns} FROM {TABLE}")
        for band in range(len(ALTERNATIVE_WIDTHS)):
            conn.execute(
                f"CREATE INDEX {ALTERNATIVE_TABLE}_band{band} ON {ALTERNATIVE_TABLE} (phash_band{band}, phash, id) "
                "WHERE phash IS NOT NULL"
            )
        conn.execute(f"VACUUM ANALYZE {ALTERNATIVE_TABLE}")
    for name in VARIANTS:
        side = variants_table(name)
        conn.execute(
            f"CREATE TABLE {side} (image_id bigint NOT NULL, phash bigint NOT NULL, variant integer NOT NULL)"
        )
        # One image's rows together and the images in id order, as a campaign writes them. The heap then
        # follows the index's (variant, image_id) order within a variant, and an index-only scan checks the
        # visibility map page by page in that order; with the rows in (mask, id) order instead, a candidate
        # switched the visibility-map page it reads nearly every time (1,058 buffer hits a lookup, not 129).
        conn.execute(
            f"INSERT INTO {side} SELECT id, phash, phash_band0 # mask FROM {TABLE}, "  # noqa: S608
            f"unnest({masks_literal(VARIANT_LAYOUTS[name][0])}) AS mask WHERE phash IS NOT NULL ORDER BY id, mask"
        )
        conn.execute(f"CREATE UNIQUE INDEX {side}_variant ON {side} (variant, image_id) INCLUDE (phash)")
        conn.execute(f"VACUUM ANALYZE {side}")
    return conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]


def run(conn, rng: random.Random) -> None:
    started = time.perf_counter()
    queries = [signed(rng.getrandbits(64)) for _ in range(QUERIES)]
    count = load(conn, rng, queries)
    print(f"{count:,} hashes loaded and indexed in {time.perf_counter() - started:.1f} s")

    def portal(q: int, prepare: bool | None = None) -> set[int]:
        sql, params = near_duplicate_sql(phash=q, distance=DISTANCE, table=TABLE)
        return {row[0] for row in conn.execute(sql, params, prepare=prepare).fetchall()}

    from django.db import connection as django_connection

    from campaign.prepared import prepared_fetchall

    django_connection.ensure_connection()
    deployed_threshold = django_connection.connection.prepare_threshold  # as settings.py configures it

    def through_django(q: int, prepared: bool = True) -> set[int]:
        # The portal's call (contributions.selectors.near_duplicate_candidates runs the same statement
        # through campaign.prepared.prepared_fetchall on Django's connection), on the bench's table. Without
        # a prepare_threshold (Django's default, the portal before settings.py set one) psycopg sends even
        # `prepare=True` as text, parsed and planned on every call.
        django_connection.connection.prepare_threshold = deployed_threshold if prepared else None
        sql, params = near_duplicate_sql(phash=q, distance=DISTANCE, table=TABLE)
        return {row[0] for row in prepared_fetchall(sql, params)}

    def previous(q: int) -> set[int]:
        sql, params = shipped_near_duplicate_sql(phash=q, distance=DISTANCE, table=TABLE)
        return {row[0] for row in conn.execute(sql, params, prepare=True).fetchall()}

    def alternative(q: int) -> set[int]:
        sql, params = near_duplicate_sql(
            phash=q,
            distance=DISTANCE,
            table=ALTERNATIVE_TABLE,
            widths=ALTERNATIVE_WIDTHS,
            radii=ALTERNATIVE_RADII,
        )
        return {row[0] for row in conn.execute(sql, params, prepare=True).fetchall()}

    def with_variants(name: str):
        text = variants_sql(name)

        def lookup(q: int) -> set[int]:
            return {row[0] for row in conn.execute(text, {"phash": q, "distance": DISTANCE}, prepare=True)}

        return lookup

    variant_lookups = {name: with_variants(name) for name in VARIANTS}

    def naive(q: int) -> set[int]:
        sql = f"SELECT id FROM {TABLE} WHERE bit_count((phash # %s)::bit(64)) <= %s"
        return {row[0] for row in conn.execute(sql, [q, DISTANCE]).fetchall()}

    def probe(q: int) -> list:
        # The limit: one band value looked up in its covering index and verified, one round trip; sent as
        # the portal's lookup is (the same call on Django's connection: parameters bound in the server,
        # prepared, planned once per connection).
        django_connection.connection.prepare_threshold = deployed_threshold
        return prepared_fetchall(
            f"SELECT id, phash FROM {TABLE} WHERE phash IS NOT NULL AND phash_band0 = %s "  # noqa: S608
            "AND bit_count((phash # %s)::bit(64)) <= %s",
            [bands_of(q)[0], q, DISTANCE],
        )

    n_probes = probe_count(distance=DISTANCE)
    absent = list(range(ROWS * 2, ROWS * 2 + n_probes * 1000, 1000))

    def descents(_q: int) -> list:
        # The floor of this way of looking up: as many descents of a 1,000,000-key index, finding nothing.
        return conn.execute(
            f"SELECT id FROM {TABLE} WHERE id = ANY(ARRAY(SELECT %s::bigint + 1000 * g "  # noqa: S608
            "FROM generate_series(0, %s) AS g))",
            [ROWS * 2, n_probes - 1],
            prepare=True,
        ).fetchall()

    def shipped_descents(_q: int) -> list:
        # The floor as measured before: the same descents, the keys sent as an array parameter.
        return conn.execute(f"SELECT id FROM {TABLE} WHERE id = ANY(%s)", [absent], prepare=True).fetchall()  # noqa: S608

    # The lookup's own descents: its statement, prepared, with the verification replaced by a key no hash
    # has (phash below the smallest bigint, an index condition): the same 221 probe values descend to the
    # same leaves of the four band indexes, and no candidate is read. The floor above always descends to
    # the primary key's last leaf (every key absent and past the end), so it stays in the CPU's caches; these
    # descend to 221 leaves spread over the band indexes, as a lookup does.
    lookup_text, _ = near_duplicate_sql(phash=0, distance=DISTANCE, table=TABLE)
    verification = "bit_count((phash # %(phash)s::bigint)::bit(64)) <= %(distance)s"
    assert lookup_text.count(verification) == sum(r >= 0 for r in band_radii(DISTANCE, len(BAND_WIDTHS)))
    own_descents_text = lookup_text.replace(verification, "phash < '-9223372036854775808'::bigint")

    def own_descents(q: int) -> list:
        return conn.execute(own_descents_text, {"phash": q}, prepare=True).fetchall()

    def variants_descents(name: str):  # the same for a layout with stored variants
        text = variants_sql(name)
        assert text.count(verification) == 4
        # The side table's phash is not in its index's key (INCLUDE): there, a key no image has is the
        # image_id (second in the key, so still an index condition); the band parts as above.
        text = text.replace(verification, "image_id < 0", 1)
        text = text.replace(verification, "phash < '-9223372036854775808'::bigint")
        return lambda q: conn.execute(text, {"phash": q}, prepare=True).fetchall()

    variant_descents = {name: variants_descents(name) for name in VARIANTS}

    def timed(function, *args) -> tuple[float, object]:
        t0 = time.perf_counter()
        result = function(*args)
        return (time.perf_counter() - t0) * 1000, result

    for q in queries[:20]:  # warm the caches (and the prepared statement) for each
        portal(q, False)
        portal(q, True)
        through_django(q)
        through_django(q, prepared=False)
        previous(q)
        if ALTERNATIVE:
            alternative(q)
        probe(q)
        descents(q)
        shipped_descents(q)
        own_descents(q)
        for name in VARIANTS:
            variant_lookups[name](q)
            variant_descents[name](q)
    naive(queries[0])

    # Interleaved, so that a burst of load on the shared machine falls on every line alike.
    times: dict[str, list[float]] = {
        "portal": [],
        "django prepared": [],
        "django text": [],
        "prepared": [],
        "previous": [],
        "alternative": [],
        "probe": [],
        "descents": [],
        "shipped descents": [],
        "own descents": [],
        **{f"variants {name}": [] for name in VARIANTS},
        **{f"variants {name} descents": [] for name in VARIANTS},
    }
    lookups = [
        ("django prepared", through_django),
        ("django text", lambda q: through_django(q, prepared=False)),
        ("prepared", lambda q: portal(q, True)),
        ("portal", lambda q: portal(q, False)),
        ("previous", previous),
        *([("alternative", alternative)] if ALTERNATIVE else []),
        *((f"variants {name}", variant_lookups[name]) for name in VARIANTS),
    ]
    found = 0
    for i, q in enumerate(queries):
        # Each lookup line its own hash in a round (the queries spread apart): the pages a lookup reads are
        # then as cold for every line, not read just before by another line's lookup of the same hash. The
        # lines take turns at going first.
        for turn in range(len(lookups)):
            line_no = (i + turn) % len(lookups)
            key, function = lookups[line_no]
            elapsed, hits = timed(function, queries[(i + line_no * QUERIES // len(lookups)) % QUERIES])
            times[key].append(elapsed)
            if key == "django prepared":
                found += bool(hits)
        times["probe"].append(timed(probe, q)[0])  # as before: after the portal's lookup of the same hash
        times["descents"].append(timed(descents, q)[0])
        times["shipped descents"].append(timed(shipped_descents, q)[0])
        # another hash's descents (as cold as a lookup's: not the leaves the lookup just read)
        times["own descents"].append(timed(own_descents, queries[(i + QUERIES // 2) % QUERIES])[0])
        for name in VARIANTS:
            times[f"variants {name} descents"].append(
                timed(variant_descents[name], queries[(i + QUERIES // 2) % QUERIES])[0]
            )
    naive_ms, agree = [], 0
    for q in queries[:NAIVE_QUERIES]:
        elapsed, hits = timed(naive, q)
        naive_ms.append(elapsed)
        agree += hits == through_django(q) == through_django(q, prepared=False) == portal(q) == portal(
            q, True
        ) == previous(q) == (alternative(q) if ALTERNATIVE else hits) and all(
            variant_lookups[name](q) == hits for name in VARIANTS
        )
    django_connection.connection.prepare_threshold = deployed_threshold
    sql, params = near_duplicate_sql(phash=queries[0], distance=DISTANCE, table=TABLE)
    plan = conn.execute("EXPLAIN " + sql, params).fetchall()
    index_only = sum("Index Only Scan" in line[0] for line in plan)
    split = planning_and_execution(conn, lookup_text, queries)
    variant_splits = {name: planning_and_execution(conn, variants_sql(name), queries) for name in VARIANTS}
    write_times = time_writes(conn, rng) if VARIANTS else {}  # last: the rows they add are not vacuumed

    def line(label: str, values: list[float], note: str = "") -> None:
        print(f"  {label}")
        print(
            f"    p50 {statistics.median(values):7.3f} ms   p95 {percentile(values, 0.95):7.3f} ms   "
            f"max {max(values):7.2f} ms   {note}"
        )

    radii = band_radii(DISTANCE, len(BAND_WIDTHS))
    print(f"near-duplicate lookup (Hamming distance <= {DISTANCE}) among {count:,} hashes, {QUERIES} queries")
    line(
        f"portal: bands {BAND_WIDTHS}, radii {radii}, {n_probes} probes ({index_only} index-only scans), "
        "made in the server; its call on Django's connection as settings.py configures it: prepared "
        f"(prepare_threshold {deployed_threshold}), planned once per connection",
        times["django prepared"],
        f"({found} with a hit; {QUERIES // 2} planted)",
    )
    line(
        "the portal before: the same call, Django's default prepare_threshold None (prepare=True sent as "
        "text, parsed and planned on every call)",
        times["django text"],
    )
    line("the same statement on a plain psycopg connection, prepared", times["prepared"])
    line("the same statement on a plain psycopg connection, as text", times["portal"])
    line(
        f"previous: the same bands and scans, the {n_probes} probe values sent as arrays, prepared",
        times["previous"],
    )
    if ALTERNATIVE:
        line(
            f"alternative: bands {ALTERNATIVE_WIDTHS}, radii {ALTERNATIVE_RADII}, "
            f"{probe_count(distance=DISTANCE, widths=ALTERNATIVE_WIDTHS, radii=ALTERNATIVE_RADII)} probes, "
            "made in the server, prepared",
            times["alternative"],
        )
    for name in VARIANTS:
        stored, probed = VARIANT_LAYOUTS[name]
        variant_probes = (
            len(probed) + n_probes - probe_count(distance=DISTANCE, widths=BAND_WIDTHS[:1], radii=(2,))
        )
        line(
            f"variants {name}: band 0 stored with {len(stored)} variants an image (side table, unique index "
            f"(variant, image_id) INCLUDE (phash)) probed with {len(probed)} values, bands 1-3 as the portal: "
            f"{variant_probes} probes, ~{count * len(stored) * len(probed) / 2 ** BAND_WIDTHS[0]:,.0f} candidates on "
            "the side table, prepared",
            times[f"variants {name}"],
        )
        line(
            f"  its own {variant_probes} descents, no candidate read (the verification replaced as below)",
            times[f"variants {name} descents"],
        )
    line(f"naive full scan, bit_count(phash # x) <= {DISTANCE}", naive_ms, f"({NAIVE_QUERIES} queries)")
    line("the limit: one index probe of the band table (one band value, verified)", times["probe"])
    line(
        f"the floor: {n_probes} index descents finding nothing (id = ANY of absent keys made in the server)",
        times["descents"],
    )
    line(
        f"the floor as measured before: the same {n_probes} keys sent as an array", times["shipped descents"]
    )
    line(
        f"the lookup's own {n_probes} descents, no candidate read (its statement, prepared, the verification "
        "replaced by a key no hash has)",
        times["own descents"],
    )
    print(
        "  parameters bound in the server (psycopg) on every line, prepared (planned once) unless said otherwise;"
        " the portal's two lines and the one probe through campaign.prepared on Django's connection, the others"
        " on one plain psycopg connection"
    )
    print(f"  planning and execution, EXPLAIN (ANALYZE, BUFFERS, SUMMARY) of {split['n']} lookups:")
    print(
        f"    as text:  planning p50 {split['text planning']:.3f} ms, execution p50 {split['text execution']:.3f} ms"
    )
    print(
        f"    prepared: planning p50 {split['prepared planning']:.3f} ms, execution p50 "
        f"{split['prepared execution']:.3f} ms (EXECUTE of the same text PREPAREd; {split['generic']} generic plans, "
        f"{split['custom']} custom); the portal line's statement: {split['portal plans']}"
    )
    print(
        f"    buffers per lookup p50: {split['hit']:.0f} hit, {split['read']:.0f} read from outside shared_buffers "
        f"(shared_buffers {split['shared_buffers']}; the four band indexes {split['index size']})"
    )
    print(
        f"  same answers from the portal's call (prepared and as before), the plain connection's (prepared, as text), previous{', the alternative' if ALTERNATIVE else ''}{', the stored variants' if VARIANTS else ''} and the full scan: {agree}/{NAIVE_QUERIES}"
    )
    for name in VARIANTS:
        layout = variant_splits[name]
        print(
            f"  variants {name}, EXPLAIN (ANALYZE, BUFFERS) of {layout['n']} lookups, prepared: execution p50 "
            f"{layout['prepared execution']:.3f} ms; buffers per lookup p50: {layout['hit']:.0f} hit, "
            f"{layout['read']:.0f} read from outside shared_buffers"
        )
    if VARIANTS:
        print_sizes(conn, count)
        print_writes(write_times)
    limit = percentile(times["probe"], 0.95)
    compared = [("portal", "django prepared"), ("before", "django text"), ("previous", "previous")]
    compared += [("5 bands", "alternative")] if ALTERNATIVE else []
    compared += [(f"var. {name}", f"variants {name}") for name in VARIANTS]
    for label, key in compared:
        p95 = percentile(times[key], 0.95)
        ratio = p95 / limit
        print(
            f"  {label:9s} p95 {p95:6.3f} ms = x{ratio:4.1f} one probe, target <= x3: "
            f"{'met' if ratio <= 3 else 'NOT met'}; <= 5 ms: {'met' if p95 <= 5 else 'NOT met'}; "
            f"x{p95 / percentile(times['descents'], 0.95):.2f} the floor; "
            f"at p50 x{statistics.median(times[key]) / statistics.median(times['probe']):.1f} one probe"
        )
    print(
        f"  the lookup's own descents: p95 x{percentile(times['own descents'], 0.95) / limit:.1f} one probe, "
        f"p50 x{statistics.median(times['own descents']) / statistics.median(times['probe']):.1f}: the best any "
        f"lookup making these {n_probes} descents can reach"
    )
    print(
        f"  the floor's p95 is x{percentile(times['descents'], 0.95) / limit:.1f} one probe; "
        f"speed-up at p50 over the full scan: {statistics.median(naive_ms) / statistics.median(times['django prepared']):.0f}x; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(
            "  (more runnable processes than cores: the p95s measure the machine's load more than the lookup)"
        )


def time_writes(conn, rng: random.Random) -> dict[str, list[float]]:
    """One image's rows written, one transaction each (committed: synchronous_commit as the server has it): the
    image's row alone (its phash and four bands, as the portal writes them), and beside it, for each stored
    variants layout, the same row and its variants (one INSERT ... SELECT from the masks), interleaved."""
    columns = ", ".join(f"phash_band{band}" for band in range(len(BAND_WIDTHS)))
    row = f"INSERT INTO {TABLE} (phash, {columns}) VALUES (%s, %s, %s, %s, %s) RETURNING id"  # noqa: S608
    times: dict[str, list[float]] = {"image row": [], **{name: [] for name in VARIANTS}}
    for _ in range(INSERTS):
        for key in times:
            value = signed(rng.getrandbits(64))
            t0 = time.perf_counter()
            with conn.transaction():
                image_id = conn.execute(row, [value, *bands_of(value)], prepare=True).fetchone()[0]
                if key != "image row":
                    conn.execute(
                        f"INSERT INTO {variants_table(key)} (image_id, phash, variant) "  # noqa: S608
                        f"SELECT %s, %s, %s::integer # mask FROM unnest({masks_literal(VARIANT_LAYOUTS[key][0])}) AS mask",
                        [image_id, value, bands_of(value)[0]],
                        prepare=True,
                    )
            times[key].append((time.perf_counter() - t0) * 1000)
    return times


def print_writes(times: dict[str, list[float]]) -> None:
    print(f"  writing one image's rows, {INSERTS} images, one committed transaction each:")
    for key, values in times.items():
        label = (
            "its row alone"
            if key == "image row"
            else f"its row and {len(VARIANT_LAYOUTS[key][0])} variant rows ({key})"
        )
        print(
            f"    {label:40s} p50 {statistics.median(values):6.3f} ms   p95 {percentile(values, 0.95):6.3f} ms"
        )


def print_sizes(conn, count: int) -> None:
    def size(relation: str, total: bool = False) -> int:
        function = "pg_total_relation_size" if total else "pg_relation_size"
        return conn.execute(f"SELECT {function}(%s::regclass)", [relation]).fetchone()[0]

    mb = 1024 * 1024
    bands = [size(f"{TABLE}_band{band}") for band in range(len(BAND_WIDTHS))]
    print(
        f"  sizes: the image table {size(TABLE, total=True) / mb:.0f} MB with its indexes (heap {size(TABLE) / mb:.0f} MB, "
        f"band indexes {', '.join(f'{b / mb:.0f}' for b in bands)} MB)"
    )
    for name in VARIANTS:
        side = variants_table(name)
        extra = size(side, total=True) - bands[0]
        print(
            f"    variants {name}: side table {size(side, total=True) / mb:.0f} MB (heap {size(side) / mb:.0f} MB, "
            f"index {size(f'{side}_variant') / mb:.0f} MB); less the band-0 index a deployment drops: "
            f"+{extra / mb:.0f} MB, +{extra * 1_000_000 / count / mb:.0f} MB per million images"
        )


def planning_and_execution(conn, lookup_text: str, queries: list[int], n: int = 40) -> dict:
    """Where a lookup's server time goes: EXPLAIN (ANALYZE, BUFFERS, SUMMARY) of the statement as text (parsed
    and planned on every call) and of the same text PREPAREd (EXECUTE: planned once, the generic plan after
    five custom ones), each on hashes the other did not just read (so both read as cold pages)."""

    def explained(statement: str, params=None) -> tuple[float, float, int, int]:
        plan = "\n".join(row[0] for row in conn.execute(statement, params).fetchall())
        totals = plan.split("\n")[1]  # the top node's buffers: the execution's, the planning's come apart
        hit, read = (re.search(rf"{kind}=(\d+)", totals) for kind in ("hit", "read"))
        return (
            float(re.search(r"Planning Time: ([\d.]+) ms", plan).group(1)),
            float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)),
            int(hit.group(1)) if hit else 0,
            int(read.group(1)) if read else 0,
        )

    positional = lookup_text.replace("%(phash)s", "$1").replace("%(distance)s", "$2")
    conn.execute(f"PREPARE bench_lookup AS {positional}")
    for q in queries[:10]:
        conn.execute(f"EXECUTE bench_lookup({int(q)}, {DISTANCE})").fetchall()
    text, prepared = [], []
    for i in range(n):
        q_text, q_prepared = queries[(7 * i) % QUERIES], queries[(7 * i + QUERIES // 2) % QUERIES]
        params = {"phash": q_text, "distance": DISTANCE}
        text.append(explained("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + lookup_text, params))
        prepared.append(
            explained(
                f"EXPLAIN (ANALYZE, BUFFERS, SUMMARY) EXECUTE bench_lookup({int(q_prepared)}, {DISTANCE})"
            )
        )
    generic, custom = conn.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'bench_lookup'"
    ).fetchone()
    portal_plans = conn.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE NOT from_sql AND statement = %s",
        [lookup_text.replace("%(phash)s", "$1").replace("%(distance)s", "$2")],
    ).fetchall()
    conn.execute("DEALLOCATE bench_lookup")
    index_size = conn.execute(
        "SELECT pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index "
        f"WHERE indrelid = '{TABLE}'::regclass AND indexrelid::regclass::text LIKE '{TABLE}_band%'"
    ).fetchone()[0]
    return {
        "n": n,
        "text planning": statistics.median(row[0] for row in text),
        "text execution": statistics.median(row[1] for row in text),
        "prepared planning": statistics.median(row[0] for row in prepared),
        "prepared execution": statistics.median(row[1] for row in prepared),
        "hit": statistics.median(row[2] for row in text + prepared),
        "read": statistics.median(row[3] for row in text + prepared),
        "generic": generic,
        "custom": custom,
        "portal plans": (
            f"{portal_plans[0][0]} generic plans, {portal_plans[0][1]} custom"
            if portal_plans
            else "not found"
        ),
        "shared_buffers": conn.execute("SHOW shared_buffers").fetchone()[0],
        "index size": index_size,
    }


if __name__ == "__main__":
    main()
