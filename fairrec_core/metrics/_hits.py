"""Which recommended items are relevant: the hit matrix every accuracy metric starts from."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM, RankedLists


def hit_matrix(lists: RankedLists, test) -> np.ndarray:
    """``hits[r, j]`` is True when ``lists.items[r, j]`` is in user ``lists.users[r]``'s test set.

    ``test`` is a Dataset (its interactions are the relevant items). Vectorised: pairs are
    encoded as ``user * n_items + item`` and looked up in the sorted test keys.
    """
    n_items = test.n_items
    inter = test.interactions
    keys = np.sort(inter["user"].to_numpy(np.int64) * n_items + inter["item"].to_numpy(np.int64))
    items = lists.items
    query = lists.users[:, None] * n_items + np.where(items == PAD_ITEM, 0, items)
    pos = np.searchsorted(keys, query)
    pos = np.minimum(pos, max(len(keys) - 1, 0))
    hits = (keys[pos] == query) if len(keys) else np.zeros(items.shape, dtype=bool)
    return hits & (items != PAD_ITEM)


def n_relevant(lists: RankedLists, test) -> np.ndarray:
    """Number of test items of each listed user."""
    return test.user_counts[lists.users]


def ndcg(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """NDCG@k per row with binary relevance; IDCG over min(n_rel, k). Users with no test items
    get NaN (they are left out of means)."""
    k = hits.shape[1]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits @ discount
    ideal = np.concatenate(([0.0], np.cumsum(discount)))[np.minimum(n_rel, k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_rel > 0, dcg / ideal, np.nan)
