"""Ranked lists from a model: the bridge to re-rankers and the audit."""

from __future__ import annotations

import numpy as np

from fairrec_core.models._base import Recommender
from fairrec_core.ranking import PAD_ITEM, RankedLists


def top_n(model: Recommender, users=None, n: int = 10, *, exclude_seen: bool = True) -> RankedLists:
    """The top-``n`` items of each user (all users when ``users`` is None) as RankedLists.

    Unlike :meth:`Recommender.recommend`, ``n`` may exceed what a user can be offered (the
    catalogue minus the seen items, or the catalogue itself): the lists are padded with item
    ``-1`` and score ``-inf``.
    """
    model._check_fitted()
    if users is None:
        users = np.arange(model.n_users_)
    depth = min(int(n), model.n_items_)
    items, scores = model.recommend(users, depth, exclude_seen=exclude_seen)
    if depth < n:
        pad = int(n) - depth
        items = np.hstack([items, np.full((len(items), pad), PAD_ITEM, dtype=np.int64)])
        scores = np.hstack([scores, np.full((len(items), pad), -np.inf, dtype=np.float32)])
    return RankedLists(model._check_users(users), items, scores)
