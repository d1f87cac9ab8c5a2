"""Set-based accuracy at a cutoff: precision, recall and hit rate, from the hit matrix.

Every function takes ``hits`` (bool ``[n, k]``, see :func:`hit_matrix`) and ``n_rel`` (the
number of each user's test items) and returns one float per row; users without test items get
NaN, so that they are left out of means.
"""

from __future__ import annotations

import numpy as np


def _per_user(values: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(n_rel) > 0, values, np.nan)


def precision(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """Hits / k (k = the number of columns, also for lists shorter than k)."""
    k = hits.shape[1]
    return _per_user(hits.sum(axis=1) / max(k, 1), n_rel)


def recall(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """Hits / number of the user's test items."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _per_user(hits.sum(axis=1) / np.asarray(n_rel, dtype=np.float64), n_rel)


def hit_rate(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """1 when at least one test item is listed, else 0."""
    return _per_user(hits.any(axis=1).astype(np.float64), n_rel)
