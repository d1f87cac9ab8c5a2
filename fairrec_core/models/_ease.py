"""EASE^R (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): a closed-form
item-item linear model with a zero diagonal, ``B = I - P / diag(P)``, ``P = (X'X + l2 I)^-1``."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender, binary_matrix

#: Above this many items the dense item x item inverse does not fit in memory comfortably.
MAX_ITEMS = 20_000


class EASE(Recommender):
    """Scores ``x_u B``; ``l2`` is the ridge penalty on the item-item weights."""

    name = "ease"
    _arrays = ("weights_",)
    _array_shapes = {"weights_": (("items", "items"), "float32", None)}

    def __init__(self, l2: float = 400.0):
        self.l2 = l2

    def _check_params(self) -> None:
        if not float(self.l2) > 0:
            raise ModelError(f"ease: l2 must be positive, got {self.l2!r}")

    def _fit(self, train, progress) -> None:
        if self.n_items_ > MAX_ITEMS:
            raise ModelError(
                f"ease: {self.n_items_} items is too many for the dense item-item matrix "
                f"(at most {MAX_ITEMS}); use als or bpr"
            )
        if progress is not None:
            progress(Progress(0, 1, message="computing the item-item Gram matrix"))
        x = binary_matrix(train)
        gram = (x.T @ x).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += float(self.l2)
        p = np.linalg.inv(gram)
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0.0
        self.weights_ = b.astype(np.float32)
        if progress is not None:
            progress(Progress(1, 1, message="solved the item-item weights"))

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self._history(users) @ self.weights_
