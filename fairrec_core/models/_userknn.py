"""User-user kNN: "users like you bought" (shrunk cosine, top-n neighbours)."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender, binary_matrix
from fairrec_core.models._knn import neighbour_table, table_matrix


class UserKNN(Recommender):
    """``score(u, i) = sum of sim(u, v)`` over ``u``'s ``neighbors`` most similar users ``v``
    who have item ``i``; ``sim`` is the cosine of the user rows shrunk by ``shrink``."""

    name = "userknn"
    _arrays = ("neighbor_indices_", "neighbor_weights_")
    _array_shapes = {
        "neighbor_indices_": (("users", "k"), "int32", "users"),
        "neighbor_weights_": (("users", "k"), "float32", None),
    }

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

    def _scores(self, users: np.ndarray) -> np.ndarray:
        w = table_matrix(self.neighbor_indices_, self.neighbor_weights_, users, self.n_users_)
        return (w @ self.seen_matrix()).toarray().astype(np.float32)
