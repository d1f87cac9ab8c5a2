"""Popularity of recommended items: novelty, average popularity (ARP), long-tail share (APLT),
and the head / mid / tail bands they rest on.

Popularity always comes from the *training* interactions: ``item_counts[j]`` is the number of
training interactions of item ``j`` (one per user and item, so also the number of users).
"""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM

#: Share of training interactions held by the head (the most popular items) and by the tail.
HEAD_SHARE = 0.2
TAIL_SHARE = 0.2
#: Names of the popularity bands, in code order (0, 1, 2).
POPULARITY_BANDS = ("head", "mid", "tail")


def popularity_bands(item_counts: np.ndarray, *, head_share: float = HEAD_SHARE,
                     tail_share: float = TAIL_SHARE) -> np.ndarray:
    """Band code per item: 0 head, 1 mid, 2 tail (Abdollahpouri et al. 2019).

    Items are sorted by training interactions (most first, ties by index). The head is the
    shortest prefix holding at least ``head_share`` of all interactions; the tail the longest
    suffix holding at most ``tail_share`` of them; items never interacted with are always tail;
    the rest is mid. (The same rule as the re-rankers' ``popularity_bands``.)
    """
    counts = np.asarray(item_counts, dtype=np.float64)
    total = counts.sum()
    codes = np.ones(len(counts), dtype=np.int64)
    if total <= 0:
        codes[:] = 2
        return codes
    order = np.argsort(-counts, kind="stable")
    n_head = int(np.searchsorted(np.cumsum(counts[order]), head_share * total, side="left")) + 1
    codes[order[:n_head]] = 0
    n_tail = int(np.searchsorted(np.cumsum(counts[order][::-1]), tail_share * total, side="right"))
    n_tail = min(n_tail, len(counts) - n_head)
    if n_tail > 0:
        codes[order[len(counts) - n_tail:]] = 2
    codes[counts == 0] = 2
    return codes


def head_items(item_counts: np.ndarray, *, head_share: float = HEAD_SHARE) -> np.ndarray:
    """Boolean mask of the head: the most popular items that together hold ``head_share`` of
    the training interactions (the shortest such prefix). Every other item is long tail."""
    return popularity_bands(item_counts, head_share=head_share) == 0


def _row_mean(values: np.ndarray, items: np.ndarray) -> np.ndarray:
    valid = items != PAD_ITEM
    v = np.where(valid, values[np.where(valid, items, 0)], 0.0)
    m = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, v.sum(axis=1) / m, np.nan)


def novelty(items: np.ndarray, item_counts: np.ndarray, n_users: int) -> np.ndarray:
    """Mean self-information ``-log2 p(i)`` of each list's items, where ``p(i)`` = training
    interactions of ``i`` / number of users (the share of users who interacted with it). An item
    never seen in training counts as seen once (``p = 1 / n_users``, the largest novelty).
    Empty lists get NaN."""
    p = np.maximum(np.asarray(item_counts, dtype=np.float64), 1.0) / max(n_users, 1)
    return _row_mean(-np.log2(p), items)


def average_popularity(items: np.ndarray, item_counts: np.ndarray) -> np.ndarray:
    """ARP: mean number of training interactions of each list's items (Abdollahpouri et al.
    2017). Empty lists get NaN."""
    return _row_mean(np.asarray(item_counts, dtype=np.float64), items)


def long_tail_share(items: np.ndarray, head: np.ndarray) -> np.ndarray:
    """APLT: share of each list's items outside the head (``head`` is a boolean item mask).
    Empty lists get NaN."""
    return _row_mean((~np.asarray(head, dtype=bool)).astype(np.float64), items)
