"""Rank-sensitive accuracy: reciprocal rank and average precision, from the hit matrix."""

from __future__ import annotations

import numpy as np


def reciprocal_rank(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """1 / rank of the first hit, 0 when none is listed (MRR is its mean); NaN without test
    items."""
    any_hit = hits.any(axis=1)
    first = np.argmax(hits, axis=1) + 1.0
    rr = np.where(any_hit, 1.0 / first, 0.0)
    return np.where(np.asarray(n_rel) > 0, rr, np.nan)


def average_precision(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """Sum of precision@r over the ranks r of the hits, divided by min(n_rel, k) (so a list
    holding all it could hold scores 1; MAP is its mean); NaN without test items.

    Note: ranx and trec_eval divide by n_rel (all test items), so for users with more than k
    test items their AP@k is ours times min(n_rel, k) / n_rel (about half of ours on
    MovieLens 100K at k = 10)."""
    k = hits.shape[1]
    h = hits.astype(np.float64)
    prec_at = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    denom = np.minimum(np.asarray(n_rel), k).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (prec_at * h).sum(axis=1) / denom, np.nan)
