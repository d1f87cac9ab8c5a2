"""Item-side exposure: position-discounted attention per item, catalogue coverage, and how
unequally exposure is spread (Gini, Lorenz curve)."""

from __future__ import annotations

import numpy as np

from fairrec_core.metrics._weighting import position_discount
from fairrec_core.ranking import PAD_ITEM


def item_exposure(items: np.ndarray, n_items: int) -> np.ndarray:
    """Exposure of every catalogue item: the sum, over all lists, of ``1 / log2(1 + rank)`` at
    the ranks where it appears (float64 ``[n_items]``; 0 for items never recommended)."""
    valid = items != PAD_ITEM
    weights = np.broadcast_to(position_discount(items.shape[1]), items.shape)
    return np.bincount(items[valid], weights=weights[valid], minlength=n_items).astype(np.float64)


def coverage(items: np.ndarray, n_items: int) -> float:
    """Share of the catalogue recommended to at least one user."""
    listed = items[items != PAD_ITEM]
    return float(len(np.unique(listed)) / n_items) if n_items else float("nan")


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` (0 = all equal, (n-1)/n = one holds all):
    ``sum_i (2i - n - 1) v_(i) / (n sum v)`` over the values sorted ascending (i from 1)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    total = v.sum()
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(((2.0 * ranks - n - 1.0) * v).sum() / (n * total))


def lorenz_curve(values: np.ndarray, *, points: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(item_share, value_share)``: the Lorenz curve of ``values`` sorted ascending, from (0, 0)
    to (1, 1). ``points`` thins it to that many evenly spaced item shares (interpolated)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    total = v.sum()
    x = np.arange(n + 1) / max(n, 1)
    y = np.concatenate(([0.0], np.cumsum(v) / total)) if total > 0 else x.copy()
    if points is not None and points < n + 1:
        xs = np.linspace(0.0, 1.0, points)
        return xs, np.interp(xs, x, y)
    return x, y
