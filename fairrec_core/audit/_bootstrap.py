"""Bootstrap confidence intervals of every group mean at once, vectorised.

Users are resampled with replacement (all listed users together, so group sizes vary as in a new
sample of users): resample ``b`` gives user ``u`` a weight ``w[b, u]`` = the number of times it
was drawn, and a group's mean in that resample is a weighted sum, so the replicates of a group
are one matrix product of weights and its users' values. Percentile intervals.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits


def resample_weights(rng: np.random.Generator, n_resamples: int, n_users: int) -> np.ndarray:
    """``[n_resamples, n_users]`` float32: how often each user is drawn in each resample of
    ``n_users`` draws with replacement."""
    dtype = np.int32 if n_resamples * n_users < 2**31 else np.int64
    draws = rng.integers(0, n_users, size=(n_resamples, n_users), dtype=dtype)
    draws += (np.arange(n_resamples, dtype=dtype) * n_users)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_resamples * n_users)
    return counts.reshape(n_resamples, n_users).astype(np.float32)


def defined_patterns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(patterns, which)``: the distinct per-user "has a value" columns of ``values``
    (``[n, p]`` float) and, per metric, the index of its pattern."""
    defined = ~np.isnan(values)
    patterns: list[np.ndarray] = []
    which = np.empty(values.shape[1], dtype=np.int64)
    for j in range(values.shape[1]):
        for i, pat in enumerate(patterns):
            if np.array_equal(pat, defined[:, j]):
                which[j] = i
                break
        else:
            which[j] = len(patterns)
            patterns.append(defined[:, j])
    stacked = np.stack(patterns, axis=1) if patterns else np.zeros((len(values), 0), bool)
    return stacked.astype(np.float64), which


def percentile_rows(samples: np.ndarray, qs) -> np.ndarray:
    """Linear-interpolated percentiles (as ``np.quantile``) over axis 0, ignoring NaN; NaN where a
    column has no value. ``samples``: ``[b, ...]``; returns ``[len(qs), ...]``."""
    flat = samples.reshape(len(samples), -1)
    ordered = np.sort(flat, axis=0)  # NaN last
    n = (~np.isnan(flat)).sum(axis=0)
    out = np.full((len(qs), flat.shape[1]), np.nan)
    cols = np.arange(flat.shape[1])
    have = n > 0
    for i, q in enumerate(qs):
        pos = q * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        frac = pos - lo
        v = ordered[lo, cols] * (1 - frac) + ordered[hi, cols] * frac
        v = np.where(frac == 0, ordered[lo, cols], v)
        out[i] = np.where(have, v, np.nan)
    return out.reshape((len(qs),) + samples.shape[1:])


def bootstrap_means(values: np.ndarray, columns: np.ndarray, n_columns: int, *,
                    n_resamples: int, rng: np.random.Generator, with_se2: bool = False):
    """Bootstrap replicates of every group mean: ``[n_resamples, n_columns, n_metrics]``.

    ``values``: ``[n_users, n_metrics]`` per-user metrics (NaN = undefined, left out of means);
    ``columns``: ``[n_users, n_groupings]``, each user's group column in each grouping (a
    grouping with one column holding everyone gives the overall mean). A replicate where a group
    has no user with a value is NaN. With ``with_se2`` it returns ``(means, se2)``: also each
    replicate's squared standard error of every mean (its sample variance / n, NaN below two
    values), carried through the same weight product as sums of squares (for studentised
    bootstrap statistics, :mod:`._simultaneous`).

    One weight matrix ``W`` (how often each of ``n`` slots is drawn) serves every grouping: the
    users, sorted by group, take the slots in turn, and each group's replicate sums are
    ``W[:, its slots] @ its users' values``. Multinomial counts are exchangeable, so each group
    sees exactly the weights a resample of all users would give it.
    """
    from fairrec_core.audit._simultaneous import centre, stacked

    n, m = values.shape
    shift = centre(values)
    y, which = stacked(values, shift)
    y = y.astype(np.float32)
    weights = resample_weights(rng, n_resamples, n)
    out = np.full((n_resamples, n_columns, m), np.nan)
    se2 = np.full((n_resamples, n_columns, m), np.nan) if with_se2 else None
    # many small products: one BLAS thread each (a thread pool's start-up costs more than the
    # work, badly so on a busy machine); scikit-learn's threadpoolctl restores the setting after
    with threadpool_limits(limits=1, user_api="blas"):
        _fill(out, se2, weights, y if with_se2 else np.delete(y, np.s_[m:2 * m], axis=1),
              columns, m, which, shift)
    return (out, se2) if with_se2 else out


def _fill(out, se2, weights, y, columns, m, which, shift) -> None:
    from fairrec_core.audit._simultaneous import moments, split_sums

    n = len(y)
    sums = np.zeros(out.shape[:2] + (y.shape[1],))  # [b, n_columns, width of y]
    present_any = np.zeros(out.shape[1], dtype=bool)
    for j in range(columns.shape[1]):
        order = np.argsort(columns[:, j], kind="stable")
        ys = y[order]
        present, starts = np.unique(columns[order, j], return_index=True)
        ends = np.append(starts[1:], n)
        for col, s, e in zip(present, starts, ends, strict=True):
            sums[:, col] = weights[:, s:e] @ ys[s:e]
        present_any[present] = True
    cols = np.flatnonzero(present_any)  # columns without users stay NaN
    if se2 is None:
        counts = sums[:, cols, m:][..., which]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, cols] = np.where(counts > 0.5, sums[:, cols, :m] / counts, np.nan)
    else:
        total, squares, counts = split_sums(sums[:, cols], m, which)
        out[:, cols], se2[:, cols] = moments(total, squares, np.round(counts), shift)


def bootstrap_intervals(values: np.ndarray, columns: np.ndarray, n_columns: int, *,
                        n_resamples: int, rng: np.random.Generator, level: float = 0.95,
                        pairs: tuple[np.ndarray, np.ndarray] | None = None):
    """``(lo, hi)``, each ``[n_columns, n_metrics]``: percentile ``level`` intervals of every group
    mean (NaN with no resamples, or no values).

    With ``pairs = (high, low)`` (``[n_pairs, n_metrics]`` group columns, -1 for none) it also
    returns ``(diff_lo, diff_hi)``, each ``[n_pairs, n_metrics]``: intervals of the difference
    ``mean(high) - mean(low)`` from the same resamples (the interval of a gap)."""
    m = values.shape[1]
    n_pairs = 0 if pairs is None else len(pairs[0])
    if n_resamples <= 0 or len(values) == 0:
        nan = np.full((n_columns, m), np.nan)
        out = (nan, nan.copy())
        return out if pairs is None else out + (np.full((n_pairs, m), np.nan),) * 2
    reps = bootstrap_means(values, columns, n_columns, n_resamples=n_resamples, rng=rng)
    return percentile_intervals(reps, level, pairs)


def percentile_intervals(reps: np.ndarray, level: float,
                         pairs: tuple[np.ndarray, np.ndarray] | None = None):
    """:func:`bootstrap_intervals` from replicates already drawn (``[b, n_columns, m]``)."""
    m = reps.shape[2]
    tail = (1.0 - level) / 2.0
    lo, hi = percentile_rows(reps, [tail, 1.0 - tail])
    if pairs is None:
        return lo, hi
    high, low = pairs
    cols = np.arange(m)
    valid = (high >= 0) & (low >= 0)
    diff = reps[:, np.maximum(high, 0), cols] - reps[:, np.maximum(low, 0), cols]
    diff[:, ~valid] = np.nan
    d_lo, d_hi = percentile_rows(diff, [tail, 1.0 - tail])
    return lo, hi, d_lo, d_hi
