"""Intra-list diversity (ILD) over a categorical item attribute."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM


def intra_list_diversity(items: np.ndarray, item_category: np.ndarray) -> np.ndarray:
    """Mean pairwise dissimilarity of each list, where two items are dissimilar (1) when their
    categories differ and similar (0) when they share one.

    ``items``: item indices ``[n, k]`` (``-1`` pads); ``item_category``: one integer code per
    item (its single category; for multi-genre MovieLens items the first genre, the dataset's
    ``category`` column). ILD = pairs from different categories / all pairs; lists with fewer
    than two items get NaN. Computed from per-list category counts ``c``:
    ``1 - sum c (c - 1) / (m (m - 1))`` for a list of ``m`` items.
    """
    n, k = items.shape
    valid = items != PAD_ITEM
    codes = np.where(valid, item_category[np.where(valid, items, 0)], 0)
    n_cat = int(item_category.max()) + 1 if len(item_category) else 1
    flat = (np.arange(n)[:, None] * n_cat + codes)[valid]
    counts = np.bincount(flat, minlength=n * n_cat).reshape(n, n_cat).astype(np.float64)
    m = valid.sum(axis=1).astype(np.float64)
    same = (counts * (counts - 1.0)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m >= 2, 1.0 - same / (m * (m - 1.0)), np.nan)
