"""Multi-index hashing of 64-bit perceptual hashes: the hash cut in bands, each band indexed.

Two hashes at most `d` bits apart differ by at most `d // B` bits on at least one of their `B` bands
(pigeonhole). So every near duplicate of `h` has, on some band `i`, a value within `d // B` bits of
`h`'s band `i`: probing each band's index with those values finds every candidate, and the exact
Hamming distance then keeps the true ones.

Three bands of 22, 21 and 21 bits (d = 8: within 2 bits on some band, 254 + 232 + 232 probes) measured
faster than four 16-bit bands (4 x 137 probes) on 1,000,000 hashes: a 21-bit band value is shared by
~0.5 stored hashes instead of ~15, so each lookup verifies a few hundred candidates instead of ~8,000
(`bench/near_duplicates.py` prints both).
"""

from functools import cache
from itertools import combinations

BAND_WIDTHS: tuple[int, ...] = (22, 21, 21)
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
    """Every `width`-bit value within `radius` bits of `band_value`."""
    return [band_value ^ mask for mask in _flip_masks(width, radius)]


def probe_radius(distance: int, bands: int) -> int:
    return max(0, distance) // bands


def near_duplicate_sql(
    *, phash: int, distance: int, table: str, widths: tuple[int, ...] = BAND_WIDTHS
) -> tuple[str, list]:
    """PostgreSQL: (id, phash) within `distance` bits; one index-only scan per band, verified there."""
    radius = probe_radius(distance, len(widths))
    parts, params = [], []
    for band, (band_value, width) in enumerate(zip(bands_of(phash, widths), widths, strict=True)):
        parts.append(
            f"SELECT id, phash FROM {table} WHERE phash IS NOT NULL AND phash_band{band} = ANY(%s) "  # noqa: S608
            "AND bit_count((phash # %s)::bit(64)) <= %s"
        )
        params += [probe_values(band_value, radius, width), phash, distance]
    return " UNION ".join(parts), params
