"""Distances between distributions over item-attribute values."""

from __future__ import annotations

import numpy as np


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence in bits (between 0 and 1) of each row of ``p`` from ``q``
    (rows are distributions; ``q`` broadcasts): ``(KL(p || m) + KL(q || m)) / 2`` with
    ``m = (p + q) / 2``. NaN for a row that is all zeros."""
    p = np.asarray(p, dtype=np.float64)
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), p.shape)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(p > 0, p * np.log2(p / m), 0.0).sum(axis=-1)
        kq = np.where(q > 0, q * np.log2(q / m), 0.0).sum(axis=-1)
    empty = (p.sum(axis=-1) <= 0) | (q.sum(axis=-1) <= 0)
    return np.where(empty, np.nan, 0.5 * (kp + kq))
