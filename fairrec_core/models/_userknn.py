"""User-user kNN: "users like you bought" (shrunk cosine, top-n neighbours).

With interaction weights (a ``"weight"`` column) a neighbour's vote counts with its row weight
``d_v`` (the mean weight of its interactions): ``score(u, i) = sum_v sim(u, v) d_v x_vi``; the
neighbours themselves are chosen by ``sim`` alone (the cosine ignores a row's scale)."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender, binary_matrix
from fairrec_core.models._knn import neighbour_table, table_matrix
from fairrec_core.models._weights import row_weights


class UserKNN(Recommender):
    """``score(u, i) = sum of sim(u, v)`` over ``u``'s ``neighbors`` most similar users ``v``
    who have item ``i``; ``sim`` is the cosine of the user rows shrunk by ``shrink``."""

    name = "userknn"
    _arrays = ("neighbor_indices_", "neighbor_weights_")
    _array_shapes = {
        "neighbor_indices_": (("users", "k"), "int32", "users"),
        "neighbor_weights_": (("users", "k"), "float32", None),
    }
    takes_weights = True

    def __init__(self, neighbors: int = 100, shrink: float = 10.0):
        self.neighbors = neighbors
        self.shrink = shrink

    def _check_params(self) -> None:
        if isinstance(self.neighbors, bool) or not isinstance(self.neighbors, int) or self.neighbors < 1:
            raise ModelError(f"userknn: neighbors must be a positive integer, got {self.neighbors!r}")
        if not float(self.shrink) >= 0:
            raise ModelError(f"userknn: shrink must be zero or positive, got {self.shrink!r}")

    def _fit(self, train, progress) -> None:
        def step(done, total):
            if progress is not None:
                progress(Progress(done, total, message=f"neighbours of {done}/{total} users"))

        self.neighbor_indices_, self.neighbor_weights_ = neighbour_table(
            binary_matrix(train), self.neighbors, float(self.shrink), step
        )
        d = row_weights(train)
        if d is not None:  # a neighbour's votes count with its row weight
            self.neighbor_weights_ = (self.neighbor_weights_
                                      * d[self.neighbor_indices_]).astype(np.float32)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        w = table_matrix(self.neighbor_indices_, self.neighbor_weights_, users, self.n_users_)
        return (w @ self.seen_matrix()).toarray().astype(np.float32)
