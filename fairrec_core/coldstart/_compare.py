"""Two models on the same users: the means of a per-user metric, their difference and ratio,
each with a percentile interval from one bootstrap over users (paired: a resample draws the
same users for both, :func:`fairrec_core.audit._bootstrap.bootstrap_means`)."""

from __future__ import annotations

import numpy as np

from fairrec_core.audit._bootstrap import bootstrap_means, percentile_rows
from fairrec_core.errors import DataError


def compare_users(first, second, *, n_resamples: int = 1000, seed: int = 0,
                  level: float = 0.95) -> dict:
    """``first`` and ``second``: one value per user (same users, same order; NaN = undefined,
    e.g. no test items). Over the users with both values: ``first, second`` (means, with
    ``first_lo/_hi``, ``second_lo/_hi``), ``difference`` = second - first, ``ratio`` = second /
    first (each with ``_lo``/``_hi``), ``n_users``; ``level`` percentile intervals from
    ``n_resamples`` paired resamples of the users."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise DataError(f"compare: {a.shape} and {b.shape} values; expected one per user each")
    if not 0 < float(level) < 1 or int(n_resamples) < 1:
        raise DataError("compare: level must be in (0, 1) and n_resamples at least 1")
    both = ~np.isnan(a) & ~np.isnan(b)
    if not both.any():
        raise DataError("compare: no user has a value for both")
    values = np.column_stack([a[both], b[both]])
    reps = bootstrap_means(values, np.zeros((len(values), 1), dtype=np.int64), 1,
                           n_resamples=int(n_resamples), rng=np.random.default_rng(seed))[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = np.column_stack([reps, reps[:, 1] - reps[:, 0], reps[:, 1] / reps[:, 0]])
        point = values.mean(axis=0)
        points = [point[0], point[1], point[1] - point[0],
                  point[1] / point[0] if point[0] else np.nan]
    tail = (1 - float(level)) / 2
    lo, hi = percentile_rows(stats, [tail, 1 - tail])
    out = {"n_users": int(both.sum()), "level": float(level)}
    for j, name in enumerate(("first", "second", "difference", "ratio")):
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = (float(points[j]), float(lo[j]),
                                                           float(hi[j]))
    return out
