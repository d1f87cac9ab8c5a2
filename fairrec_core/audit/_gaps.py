"""Group means and the gaps between them: difference (max - min), ratio (min / max) and the
four-fifths flag."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A ratio below this breaks the four-fifths rule (as in Aequitas) and is flagged.
FOUR_FIFTHS = 0.8
#: Groups with fewer listed users are shown but left out of gaps and tests.
MIN_GROUP_SIZE = 10


def group_means(index, values: np.ndarray):
    """``(means, n)``: per group column of ``index`` (a GroupIndex) and metric column of
    ``values`` (NaN = undefined for that user), the mean over users with a value and their
    number. Means are NaN where no user has a value."""
    defined = ~np.isnan(values)
    sums = index.sums(np.where(defined, values, 0.0))
    n = index.sums(defined.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, sums / n, np.nan), n


def ratio(low, high):
    """``low / high`` with 0 / 0 = 1 (all groups at zero are equal)."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(high == 0, np.where(low == 0, 1.0, np.nan), low / high)


def eligible(index, n_users: np.ndarray, means: np.ndarray, min_group_size: int,
             excluded: np.ndarray | None = None) -> np.ndarray:
    """Which (group column, metric) cells take part in gaps: groups with at least
    ``min_group_size`` listed users and a defined mean, and not ``excluded`` (bool per column:
    uninformative labels, unless they are included)."""
    compared = n_users >= min_group_size
    if excluded is not None:
        compared = compared & ~excluded
    return compared[:, None] & ~np.isnan(means)


def spread(means: np.ndarray, ok: np.ndarray, index):
    """Per grouping and metric: ``(max, min, argmax column, argmin column, groups compared)`` over
    eligible cells (NaN / -1 when fewer than two groups are eligible)."""
    n_g = len(index.groupings)
    m = means.shape[1]
    hi = np.full((n_g, m), np.nan)
    lo = np.full((n_g, m), np.nan)
    arg_hi = np.full((n_g, m), -1)
    arg_lo = np.full((n_g, m), -1)
    count = np.zeros((n_g, m), dtype=np.int64)
    for j, (_, cols) in enumerate(index.group_slices()):
        block, okb = means[cols], ok[cols]
        count[j] = okb.sum(axis=0)
        if block.shape[0] == 0:
            continue
        up = np.where(okb, block, -np.inf)
        down = np.where(okb, block, np.inf)
        a_hi, a_lo = up.argmax(axis=0), down.argmin(axis=0)
        two = count[j] >= 2
        cols_m = np.arange(m)
        hi[j] = np.where(two, up[a_hi, cols_m], np.nan)
        lo[j] = np.where(two, down[a_lo, cols_m], np.nan)
        arg_hi[j] = np.where(two, a_hi + cols.start, -1)
        arg_lo[j] = np.where(two, a_lo + cols.start, -1)
    return hi, lo, arg_hi, arg_lo, count


def gap_frame(index, metrics, means, ok) -> pd.DataFrame:
    """One row per grouping and metric: ``attribute, metric, difference, ratio, flag,
    max_group, min_group, n_groups`` (groups compared)."""
    hi, lo, arg_hi, arg_lo, count = spread(means, ok, index)
    labels = np.array([lab for g in index.groupings for lab in g.labels] + [""], dtype=object)
    n_g, m = hi.shape
    r = ratio(lo, hi)
    return pd.DataFrame({
        "attribute": np.repeat([g.attribute for g in index.groupings], m),
        "metric": np.tile(list(metrics), n_g),
        "difference": (hi - lo).ravel(),
        "ratio": r.ravel(),
        "flag": (r < FOUR_FIFTHS).ravel(),
        "max_group": labels[arg_hi.ravel()],
        "min_group": labels[arg_lo.ravel()],
        "n_groups": count.ravel(),
    })


def group_frame(index, metrics, means, n, n_users) -> pd.DataFrame:
    """Long per-group table: ``attribute, group, metric, n_users, n, mean``."""
    m = len(metrics)
    attrs = [g.attribute for g in index.groupings for _ in g.labels]
    labels = [lab for g in index.groupings for lab in g.labels]
    c = len(labels)
    return pd.DataFrame({
        "attribute": np.repeat(np.array(attrs, dtype=object), m),
        "group": np.repeat(np.array(labels, dtype=object), m),
        "metric": np.tile(np.array(list(metrics), dtype=object), c),
        "n_users": np.repeat(n_users.astype(np.int64), m),
        "n": n.astype(np.int64).ravel(),
        "mean": means.ravel(),
    })
