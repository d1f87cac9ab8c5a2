"""Ranked lists restricted to a set of candidate items (the cold items, or the warm ones): how
a model ranks new items against each other."""

from __future__ import annotations

import numpy as np

from fairrec_core.models._base import CHUNK_CELLS, top_k
from fairrec_core.ranking import PAD_ITEM, RankedLists


def candidate_lists(model, users, candidates, k: int) -> RankedLists:
    """Each user's top-``k`` of ``candidates`` (item indices) by ``model``'s scores, the user's
    training items left out (ties to the lower item index; padded with item -1 where fewer
    candidates remain)."""
    users = model._check_users(users)
    candidates = np.unique(np.asarray(candidates, dtype=np.int64))
    m, depth = len(candidates), int(k)
    items = np.full((len(users), depth), PAD_ITEM, dtype=np.int64)
    scores = np.full((len(users), depth), -np.inf, dtype=np.float32)
    if m == 0 or len(users) == 0:
        return RankedLists(users, items, scores)
    seen = model.seen_matrix()[:, candidates].tocsr()
    step = max(1, CHUNK_CELLS // m)
    for start in range(0, len(users), step):
        chunk = users[start : start + step]
        block = model.score(np.repeat(chunk, m), np.tile(candidates, len(chunk)))
        block = block.reshape(len(chunk), m).astype(np.float32)
        block[~np.isfinite(block)] = np.float32(np.finfo(np.float32).min)
        rows, cols = seen[chunk].nonzero()
        block[rows, cols] = -np.inf
        pos, vals = top_k(block, min(depth, m))
        found = np.where(pos >= 0, candidates[np.maximum(pos, 0)], PAD_ITEM)
        items[start : start + len(chunk), : pos.shape[1]] = found
        scores[start : start + len(chunk), : pos.shape[1]] = vals
    return RankedLists(users, items, scores)
