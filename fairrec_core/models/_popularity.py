"""Most-popular baseline: every user gets the items with the most training interactions."""

from __future__ import annotations

import numpy as np

from fairrec_core.models._base import Progress, Recommender


class Popularity(Recommender):
    """Scores each item by its number of training interactions (the same list for everyone)."""

    name = "popularity"
    _arrays = ("counts_",)
    _array_shapes = {"counts_": (("items",), "float32", None)}

    def __init__(self):
        pass

    def _fit(self, train, progress) -> None:
        self.counts_ = np.bincount(self.seen_indices_, minlength=self.n_items_).astype(np.float32)
        if progress is not None:
            progress(Progress(1, 1, message="counted interactions per item"))

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts_, (len(users), self.n_items_))
