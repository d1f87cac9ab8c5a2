"""Most-popular baseline: every user gets the items with the most training interactions (with
interaction weights: the largest total weight)."""

from __future__ import annotations

import numpy as np

from fairrec_core.models._base import Progress, Recommender
from fairrec_core.models._weights import WEIGHT


class Popularity(Recommender):
    """Scores each item by its number of training interactions (the same list for everyone);
    with a ``"weight"`` column, by the sum of its interactions' weights."""

    name = "popularity"
    _arrays = ("counts_",)
    _array_shapes = {"counts_": (("items",), "float32", None)}
    takes_weights = True

    def __init__(self):
        pass

    def _fit(self, train, progress) -> None:
        inter = train.interactions
        if WEIGHT in inter.columns:
            self.counts_ = np.bincount(inter["item"].to_numpy(np.int64),
                                       weights=inter[WEIGHT].to_numpy(np.float64),
                                       minlength=self.n_items_).astype(np.float32)
        else:
            self.counts_ = np.bincount(self.seen_indices_, minlength=self.n_items_).astype(np.float32)
        if progress is not None:
            progress(Progress(1, 1, message="counted interactions per item"))

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts_, (len(users), self.n_items_))
