"""EASE^R (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): a closed-form
item-item linear model with a zero diagonal, ``B = I - P / diag(P)``, ``P = (X'X + l2 I)^-1``.

With interaction weights (a ``"weight"`` column) the Gram matrix is ``X' D X``: each user's row
counts with ``d_u``, the mean weight of that user's interactions (row weights, the weighted least
squares of Steck's objective); the scores stay ``x_u B`` on the 0/1 history."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.limits import (
    ENVIRONMENT,
    check_dense,
    current,
    dense_bytes,
    fits_dense,
    human_bytes,
)
from fairrec_core.models._base import Progress, Recommender, binary_matrix
from fairrec_core.models._weights import row_weights


def _peak_shape(n_items: int) -> tuple[int, int, int]:
    """Peak memory of a fit: the float64 Gram matrix and its inverse side by side (B is computed
    in place)."""
    return (2, int(n_items), int(n_items))


class EASE(Recommender):
    """Scores ``x_u B``; ``l2`` is the ridge penalty on the item-item weights."""

    name = "ease"
    _arrays = ("weights_",)
    _array_shapes = {"weights_": (("items", "items"), "float32", None)}
    takes_weights = True

    def __init__(self, l2: float = 400.0):
        self.l2 = l2

    def _check_params(self) -> None:
        if not float(self.l2) > 0:
            raise ModelError(f"ease: l2 must be positive, got {self.l2!r}")

    @classmethod
    def size_problem(cls, data) -> str | None:
        shape = _peak_shape(data.n_items)
        if fits_dense(shape, np.float64):
            return None
        return (f"needs {human_bytes(dense_bytes(shape, np.float64))} for {data.n_items:,} items "
                f"(limit {human_bytes(current().max_dense_bytes)}, "
                f"{ENVIRONMENT['max_dense_bytes']})")

    def _fit(self, train, progress) -> None:
        n = self.n_items_
        check_dense(_peak_shape(n), np.float64, what=f"ease: the item x item Gram matrix and its "
                    f"inverse for {n:,} items", alternative="use als or bpr for this catalogue")
        if progress is not None:
            progress(Progress(0, 1, message="computing the item-item Gram matrix"))
        x = binary_matrix(train)
        d = row_weights(train)
        if d is None:
            gram = (x.T @ x).toarray().astype(np.float64)
        else:
            gram = (x.T @ sp.diags(d) @ x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += float(self.l2)
        p = np.linalg.inv(gram)
        del gram
        p /= -np.diag(p).copy()
        p[np.diag_indices_from(p)] = 0.0
        self.weights_ = p.astype(np.float32)
        if progress is not None:
            progress(Progress(1, 1, message="solved the item-item weights"))

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self._history(users) @ self.weights_
