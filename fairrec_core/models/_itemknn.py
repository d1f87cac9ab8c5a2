"""Item-item kNN: "items similar to what you bought" (shrunk cosine, top-n neighbours).

With interaction weights (a ``"weight"`` column) the cosine is taken over users weighted by their
row weight ``d_u`` (the mean weight of their interactions): ``sum_u d_u x_ui x_uj /
(sqrt(sum_u d_u x_ui) sqrt(sum_u d_u x_uj) + shrink)``, i.e. the cosine of ``D^1/2 X``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender, binary_matrix
from fairrec_core.models._knn import neighbour_table, table_matrix
from fairrec_core.models._weights import row_weights


class ItemKNN(Recommender):
    """``score(u, i) = sum of sim(i, j)`` over the user's items ``j`` among ``i``'s ``neighbors``
    most similar items; ``sim`` is the cosine of the item columns shrunk by ``shrink``."""

    name = "itemknn"
    _arrays = ("neighbor_indices_", "neighbor_weights_")
    _array_shapes = {
        "neighbor_indices_": (("items", "k"), "int32", "items"),
        "neighbor_weights_": (("items", "k"), "float32", None),
    }
    takes_weights = True

    def __init__(self, neighbors: int = 200, shrink: float = 10.0):
        self.neighbors = neighbors
        self.shrink = shrink

    def _check_params(self) -> None:
        if isinstance(self.neighbors, bool) or not isinstance(self.neighbors, int) or self.neighbors < 1:
            raise ModelError(f"itemknn: neighbors must be a positive integer, got {self.neighbors!r}")
        if not float(self.shrink) >= 0:
            raise ModelError(f"itemknn: shrink must be zero or positive, got {self.shrink!r}")

    def _fit(self, train, progress) -> None:
        def step(done, total):
            if progress is not None:
                progress(Progress(done, total, message=f"neighbours of {done}/{total} items"))

        x = binary_matrix(train)
        d = row_weights(train)
        if d is not None:
            x = sp.diags(np.sqrt(d).astype(np.float32)) @ x
        self.neighbor_indices_, self.neighbor_weights_ = neighbour_table(
            x.T.tocsr(), self.neighbors, float(self.shrink), step
        )

    def _scores(self, users: np.ndarray) -> np.ndarray:
        # S[i, j] = sim of target i to neighbour j; scores = X_u S^T
        s = table_matrix(
            self.neighbor_indices_, self.neighbor_weights_, np.arange(self.n_items_), self.n_items_
        )
        hist = self.seen_matrix()[users]
        return (hist @ s.T).toarray().astype(np.float32)
