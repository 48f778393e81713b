"""Multi-index hashing of 64-bit perceptual hashes: the hash cut in bands, each band indexed.

Generalised pigeonhole: cut the hash in `B` bands and give band `i` a radius `r_i` with
`sum(r_i + 1) > d`. Two hashes at most `d` bits apart then differ by at most `r_i` bits on at least one
band `i` (were every band `i` at least `r_i + 1` bits apart, they would be more than `d` apart). So probing
each band's index with every value within `r_i` bits of the hash's band finds every candidate, and the
exact Hamming distance, checked in the same index-only scan, keeps the true ones. A band of radius -1 is
not probed at all (a small `d` needs fewer bands).

Four bands of 18, 16, 15 and 15 bits (d = 8: radii 2, 1, 1, 1; 172 + 17 + 16 + 16 = 221 probes, ~1,900
candidates among 1,000,000 hashes). On PostgreSQL 15 every value of an `= ANY(...)` is an index descent of
its own (~1.2 us on the shared machine) and every candidate an index tuple read and verified (~0.08 us):
at that ratio this layout is the cheapest of the disjoint-band layouts for d = 8 (five bands of 13 bits
with radii 1, 1, 1, 1, 0 probe 57 keys but read ~7,100 candidates, and measured slower; three of 22/21/21
bits with radius 2 probe 718). What cost most beyond the descents was sending the 221 probe values as
array parameters (dumped, sent and parsed on every lookup: ~0.15 ms there, as much as the floor's 221
descents of one cached page), so the
probes are made in the server from constant masks in the statement's text (`near_duplicate_sql`).
`bench/near_duplicates.py` times it beside the previous lookup (`shipped_near_duplicate_sql`), one probe
(the limit) and the descents' floor.

Where a lookup's time goes (EXPLAIN (ANALYZE, BUFFERS, SUMMARY) in the bench, 1,000,000 hashes): planning the
statement's text costs ~0.14 ms, as much as a third of its execution; prepared once per connection (the
portal's call, campaign.prepared; only since settings.py gives psycopg a prepare_threshold, without which it
sent `prepare=True` as text too) the plan costs ~0.01 ms. Of the execution, the 221 descents to leaves spread
over the four indexes take most: the same statement with its verification replaced by a key no hash has
(the descents, no candidate read) costs about two thirds of the lookup; each candidate ~70 ns (~45 leaving
the index, ~25 the bit_count of the XOR); the four arrays of probes ~0.02 ms. A VALUES list joined to the
table (a nested loop: one index rescan, so one descent, a value) measured the same, the masks made by
generate_series instead of constants slower prepared, an OR of nine exact band-equality tests before the
bit_count no faster. With shared_buffers smaller than the four indexes (~155 MB at 1,000,000), a lookup can
also read leaves from the OS's cache (45 to 65 a lookup, ~0.35 ms, in one measurement; the bench prints them).

Band 0 stored with variants of itself (meet in the middle; `BENCH_VARIANTS=full,half` in the bench) was
measured and not adopted. Stored with its 18 one-bit flips in a side table (image_id, phash, variant; unique
index (variant, image_id) INCLUDE (phash)), band 0's radius 2 is one radius-1 probe of 19 values, 68
descents in all instead of 221; but the side table holds 19 rows an image, +1.6 GB per million images (a
row's 24-byte header alone is most of its heap), and its ~1,377 candidates lie in an index of 735 MB that
no 128 MB shared_buffers holds: at 1,000,000 the lookup was 14-22% faster at p50, its p95 still x3.9 one
probe (the portal's x4.8 in the same run), and writing an image's rows took twice as long at p95. Storing 10
variants (the band and its flips of its top 9 bits, probed with 55 values) adds 0.85 GB per million and
gained 2-9%.
"""

from functools import cache
from itertools import combinations

BAND_WIDTHS: tuple[int, ...] = (18, 16, 15, 15)
_MASK64 = (1 << 64) - 1


def unsigned(phash: int) -> int:
    return phash & _MASK64


def signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def _offsets(widths: tuple[int, ...]) -> list[int]:
    offsets, position = [], 0
    for width in widths:
        offsets.append(position)
        position += width
    return offsets


def bands_of(phash: int, widths: tuple[int, ...] = BAND_WIDTHS) -> tuple[int, ...]:
    value = unsigned(phash)
    return tuple(
        (value >> offset) & ((1 << width) - 1) for offset, width in zip(_offsets(widths), widths, strict=True)
    )


def band_sql(column: str, widths: tuple[int, ...] = BAND_WIDTHS) -> list[str]:
    """SQL expressions of each band of a bigint column (for bulk back-fills and the benchmark)."""
    return [
        f"(({column} >> {offset}) & {(1 << width) - 1})"
        for offset, width in zip(_offsets(widths), widths, strict=True)
    ]


@cache
def _flip_masks(width: int, radius: int) -> tuple[int, ...]:
    masks = [0]
    for bits in range(1, radius + 1):
        for positions in combinations(range(width), bits):
            mask = 0
            for position in positions:
                mask |= 1 << position
            masks.append(mask)
    return tuple(masks)


def probe_values(band_value: int, radius: int, width: int) -> list[int]:
    """Every `width`-bit value within `radius` bits of `band_value` (none for a radius of -1)."""
    if radius < 0:
        return []
    return [band_value ^ mask for mask in _flip_masks(width, radius)]


def band_radii(distance: int, bands: int) -> tuple[int, ...]:
    """Each band's probe radius for `distance`: `distance + 1` units dealt out round the bands from the
    first (the widest), a band's radius one less than its units. Their sum of (radius + 1) is then
    `distance + 1`, more than `distance`: the pigeonhole above holds."""
    units = max(0, distance) + 1
    return tuple(units // bands + (1 if band < units % bands else 0) - 1 for band in range(bands))


def _mask_array(width: int, radius: int) -> str:
    """The flip masks of a band as an SQL array literal (a constant of the statement's text)."""
    return "'{" + ",".join(str(mask) for mask in _flip_masks(width, radius)) + "}'::integer[]"


@cache
def _lookup_text(table: str, widths: tuple[int, ...], radii: tuple[int, ...]) -> str:
    parts = []
    bands = band_sql("%(phash)s::bigint", widths)  # the query's bands, cut in SQL as the stored ones are
    for band, (band_value, width, radius) in enumerate(zip(bands, widths, radii, strict=True)):
        if radius < 0:
            continue
        masks = _mask_array(width, radius)
        probes = f"ARRAY(SELECT {band_value}::integer # mask FROM unnest({masks}) AS mask)"  # noqa: S608
        parts.append(
            f"SELECT id, phash FROM {table} WHERE phash IS NOT NULL AND phash_band{band} = ANY({probes}) "  # noqa: S608
            "AND bit_count((phash # %(phash)s::bigint)::bit(64)) <= %(distance)s"
        )
    return " UNION ALL ".join(parts)


def near_duplicate_sql(
    *,
    phash: int,
    distance: int,
    table: str,
    widths: tuple[int, ...] = BAND_WIDTHS,
    radii: tuple[int, ...] | None = None,
) -> tuple[str, dict]:
    """PostgreSQL: (id, phash) within `distance` bits; one index-only scan per probed band, verified there.

    The probe values are made in the server: each band's flip masks are a constant array in the statement's
    text, XORed there with the band of the one parameter hash (an InitPlan, evaluated once per execution),
    so a lookup sends two numbers, not 221 (dumping, sending and parsing the probe arrays cost about as much
    as the 221 index descents). The text depends only on the distance (the radii), so one prepared
    statement serves every lookup. The parts are joined by UNION ALL: a hash near on two bands comes back
    twice (the caller keeps one), which costs less than having the server sort or hash the rows to drop it."""
    if radii is None:
        radii = band_radii(distance, len(widths))
    return _lookup_text(table, widths, tuple(radii)), {"phash": phash, "distance": distance}


def shipped_near_duplicate_sql(
    *, phash: int, distance: int, table: str, widths: tuple[int, ...] = BAND_WIDTHS
) -> tuple[str, list]:
    """The lookup before: the same bands and radii, each band's probe values made here and sent as an array
    parameter (kept for the bench's "previous" line and the test that holds it to the same answers)."""
    parts, params = [], []
    for band, (band_value, width, radius) in enumerate(
        zip(bands_of(phash, widths), widths, band_radii(distance, len(widths)), strict=True)
    ):
        if radius < 0:
            continue
        parts.append(
            f"SELECT id, phash FROM {table} WHERE phash IS NOT NULL AND phash_band{band} = ANY(%s) "  # noqa: S608
            "AND bit_count((phash # %s)::bit(64)) <= %s"
        )
        params += [probe_values(band_value, radius, width), phash, distance]
    return " UNION ALL ".join(parts), params


def probe_count(
    *, distance: int, widths: tuple[int, ...] = BAND_WIDTHS, radii: tuple[int, ...] | None = None
) -> int:
    """How many index keys one lookup probes (each an index descent of its own on PostgreSQL 15)."""
    if radii is None:
        radii = band_radii(distance, len(widths))
    return sum(len(probe_values(0, radius, width)) for width, radius in zip(widths, radii, strict=True))
