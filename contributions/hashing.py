"""Multi-index hashing of 64-bit perceptual hashes: four 16-bit bands, probed within a small radius.

Two hashes at most `d` bits apart differ by at most `d // 4` bits on at least one of their four bands
(pigeonhole). So every near duplicate of `h` has, on some band `i`, a value within `d // 4` bits of
`h`'s band `i`: probing each band's index with those values (137 per band for d = 8) finds every
candidate, and the exact Hamming distance then keeps the true ones.
"""

from functools import cache
from itertools import combinations

BANDS = 4
BAND_BITS = 16
_MASK64 = (1 << 64) - 1
_BAND_MASK = (1 << BAND_BITS) - 1


def unsigned(phash: int) -> int:
    return phash & _MASK64


def signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def bands_of(phash: int) -> tuple[int, int, int, int]:
    value = unsigned(phash)
    return tuple((value >> (BAND_BITS * band)) & _BAND_MASK for band in range(BANDS))  # type: ignore[return-value]


@cache
def _flip_masks(radius: int) -> tuple[int, ...]:
    masks = [0]
    for bits in range(1, radius + 1):
        for positions in combinations(range(BAND_BITS), bits):
            mask = 0
            for position in positions:
                mask |= 1 << position
            masks.append(mask)
    return tuple(masks)


def probe_values(band_value: int, radius: int) -> list[int]:
    """Every 16-bit value within `radius` bits of `band_value` (137 values for radius 2)."""
    return [band_value ^ mask for mask in _flip_masks(radius)]


def probe_radius(distance: int) -> int:
    return max(0, distance) // BANDS
