"""Which recommended items are relevant: the hit matrix every accuracy metric starts from."""

from __future__ import annotations

import numpy as np

from fairrec_core.metrics._weighting import position_discount
from fairrec_core.ranking import PAD_ITEM, RankedLists


def relevance_keys(test) -> np.ndarray:
    """Sorted ``user * n_items + item`` keys of ``test``'s interactions (int64): compute once,
    then look lists up with :func:`lookup_hits`."""
    inter = test.interactions
    users = inter["user"].to_numpy(np.int64)
    return np.sort(users * test.n_items + inter["item"].to_numpy(np.int64))


#: Above this many (user, item) cells the relevance bitset is not built (sorted keys instead).
MAX_BITSET_CELLS = 1 << 28


def relevance_bitset(keys: np.ndarray, n_cells: int) -> np.ndarray | None:
    """A packed bitset of the ``keys`` over ``n_cells`` cells (``n_cells / 8`` bytes; ML-1M:
    2.8 MB), or None when ``n_cells`` exceeds :data:`MAX_BITSET_CELLS`. Looking pairs up in it is
    several times faster than searching the sorted keys."""
    if n_cells > MAX_BITSET_CELLS:
        return None
    bits = np.zeros(n_cells, dtype=bool)
    bits[keys] = True
    return np.packbits(bits, bitorder="little")


def lookup_hits(users: np.ndarray, items: np.ndarray, keys: np.ndarray, n_items: int,
                bitset: np.ndarray | None = None) -> np.ndarray:
    """``hits[r, j]``: is ``(users[r], items[r, j])`` among the sorted ``keys`` (or set in their
    :func:`relevance_bitset`)? Padding is never a hit."""
    pad = items == PAD_ITEM
    query = users[:, None] * n_items + np.where(pad, 0, items)
    if bitset is not None:
        found = (bitset[query >> 3] >> (query & 7).astype(np.uint8)) & 1
        return found.astype(bool) & ~pad
    if not len(keys):
        return np.zeros(items.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return (keys[pos] == query) & ~pad


def hit_matrix(lists: RankedLists, test) -> np.ndarray:
    """``hits[r, j]`` is True when ``lists.items[r, j]`` is in user ``lists.users[r]``'s test set.

    ``test`` is a Dataset (its interactions are the relevant items). Vectorised: pairs are
    encoded as ``user * n_items + item`` and looked up in the sorted test keys.
    """
    return lookup_hits(lists.users, lists.items, relevance_keys(test), test.n_items)


def n_relevant(lists: RankedLists, test) -> np.ndarray:
    """Number of test items of each listed user."""
    return test.user_counts[lists.users]


def ndcg(hits: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    """NDCG@k per row with binary relevance; IDCG over min(n_rel, k). Users with no test items
    get NaN (they are left out of means)."""
    k = hits.shape[1]
    discount = position_discount(k)
    dcg = hits @ discount
    ideal = np.concatenate(([0.0], np.cumsum(discount)))[np.minimum(n_rel, k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_rel > 0, dcg / ideal, np.nan)
