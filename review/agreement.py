"""Krippendorff's alpha, from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"), with numpy. Nominal and ordinal metrics."""

import numpy as np


def krippendorff_alpha(units: dict, *, level: str = "nominal") -> float | None:
    """`units` maps a unit (an item) to the list of values its raters gave (missing values left out).

    Returns None when there is nothing to compare (no unit with two values, or a single value used).
    """
    pairable = [values for values in units.values() if len(values) >= 2]
    if not pairable:
        return None
    categories = sorted({v for values in pairable for v in values})
    if len(categories) < 2:
        return None
    index = {v: i for i, v in enumerate(categories)}
    counts = np.zeros((len(pairable), len(categories)))
    for u, values in enumerate(pairable):
        for v in values:
            counts[u, index[v]] += 1
    m = counts.sum(axis=1)
    weighted = counts / (m - 1)[:, None]
    # o_ck = sum_u n_uc * n_uk / (m_u - 1), without pairing a value with itself.
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    delta = _delta(level, n_c, categories)
    observed = (coincidence * delta).sum()
    expected = (np.outer(n_c, n_c) * delta).sum() / (n - 1)
    if expected == 0:
        return None
    return float(1 - observed / expected)


def _delta(level: str, n_c: np.ndarray, categories: list) -> np.ndarray:
    k = len(categories)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        delta = np.zeros((k, k))
        for c in range(k):
            for g in range(c, k):
                # sum of n_g over c..g minus half of the two ends, squared
                value = cumulative[g + 1] - cumulative[c] - (n_c[c] + n_c[g]) / 2
                delta[c, g] = delta[g, c] = value**2
        return delta
    if level == "interval":
        values = np.asarray(categories, dtype=float)
        return (values[:, None] - values[None, :]) ** 2
    raise ValueError(f"Unknown level of measurement: {level}")
