"""Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky
2008, "Collaborative Filtering for Implicit Feedback Datasets"), with user and item biases.

Every (user, item) cell is fitted: preference 1 with confidence ``1 + alpha`` for an
interaction, preference 0 with confidence 1 otherwise; the model is ``x_u . y_i + b_u + b_i``.
Each half-step solves the regularised weighted least squares of all users (or items) at once by
a few warm-started conjugate-gradient steps (Takacs et al. 2011), using only dense matrix
products and the sparse interaction matrix.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender, binary_matrix, chunk_rows
from fairrec_core.models._validation import (
    EarlyStopping,
    check_fraction,
    holdout,
    report_stop,
    validation_ndcg,
)


def _positive_int(name: str, key: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ModelError(f"{name}: {key} must be a positive integer, got {value!r}")


def _solve_side(m: sp.csr_matrix, own: np.ndarray, other: np.ndarray, other_bias: np.ndarray,
                alpha: float, reg: float, cg_steps: int) -> np.ndarray:
    """Update ``own`` (rows: [factors, bias]) given the other side's factors and biases.

    ``m`` is the binary matrix with ``own``'s entities as rows. The design rows are
    ``w_j = [other_j, 1]`` and the targets ``p - other_bias_j``.
    """
    w = np.hstack([other, np.ones((len(other), 1), dtype=other.dtype)])
    gram = w.T @ w + reg * np.eye(w.shape[1], dtype=w.dtype)
    # right-hand side: -W'b + sum over interactions of ((1+alpha)(1-b_j) + b_j) w_j
    coef = m.copy()
    coef.data = ((1.0 + alpha) * (1.0 - other_bias[m.indices]) + other_bias[m.indices]).astype(
        np.float32
    )
    rhs = (coef @ w) - (w.T @ other_bias)[None, :]

    def apply(x: np.ndarray) -> np.ndarray:
        out = x @ gram
        step = chunk_rows(m.shape[1])
        for start in range(0, len(x), step):
            block = m[start : start + step]
            rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
            dense = x[start : start + step] @ w.T
            vals = alpha * dense[rows, block.indices]
            d = sp.csr_matrix((vals, block.indices, block.indptr), shape=block.shape)
            out[start : start + step] += d @ w
        return out

    x = own.copy()
    r = rhs - apply(x)
    p = r.copy()
    rs_old = np.einsum("ij,ij->i", r, r)
    for _ in range(cg_steps):
        ap = apply(p)
        denom = np.einsum("ij,ij->i", p, ap)
        a = np.divide(rs_old, denom, out=np.zeros_like(rs_old), where=denom > 0)
        x += a[:, None] * p
        r -= a[:, None] * ap
        rs_new = np.einsum("ij,ij->i", r, r)
        beta = np.divide(rs_new, rs_old, out=np.zeros_like(rs_new), where=rs_old > 0)
        p = r + beta[:, None] * p
        rs_old = rs_new
    return x.astype(np.float32)


class ALS(Recommender):
    """Implicit ALS with biases. ``factors``: latent dimensions; ``reg``: L2 penalty;
    ``alpha``: extra confidence of an interaction; ``iterations``: at most this many
    alternations, stopped early when validation NDCG@10 has not improved for ``patience``
    iterations (``validation`` is the held-out fraction of the training interactions; 0 turns
    early stopping off). After early stopping one last alternation uses all interactions."""

    name = "als"
    _arrays = ("user_factors_", "item_factors_", "user_bias_", "item_bias_")
    _array_shapes = {
        "user_factors_": (("users", "factors"), "float32", None),
        "item_factors_": (("items", "factors"), "float32", None),
        "user_bias_": (("users",), "float32", None),
        "item_bias_": (("items",), "float32", None),
    }
    _scalars = ("iterations_",)

    def __init__(
        self,
        factors: int = 64,
        reg: float = 40.0,
        alpha: float = 5.0,
        iterations: int = 15,
        cg_steps: int = 3,
        validation: float = 0.05,
        patience: int = 3,
        random_state: int = 42,
    ):
        self.factors = factors
        self.reg = reg
        self.alpha = alpha
        self.iterations = iterations
        self.cg_steps = cg_steps
        self.validation = validation
        self.patience = patience
        self.random_state = random_state

    def _check_params(self) -> None:
        for key in ("factors", "iterations", "cg_steps", "patience"):
            _positive_int("als", key, getattr(self, key))
        if not float(self.reg) >= 0:
            raise ModelError(f"als: reg must be zero or positive, got {self.reg!r}")
        if not float(self.alpha) > 0:
            raise ModelError(f"als: alpha must be positive, got {self.alpha!r}")
        check_fraction("als", self.validation)

    def _alternate(self, m: sp.csr_matrix, mt: sp.csr_matrix) -> None:
        alpha, reg, steps = float(self.alpha), float(self.reg), int(self.cg_steps)
        u = _solve_side(
            m, np.hstack([self.user_factors_, self.user_bias_[:, None]]),
            self.item_factors_, self.item_bias_, alpha, reg, steps,
        )
        self.user_factors_, self.user_bias_ = u[:, :-1].copy(), u[:, -1].copy()
        v = _solve_side(
            mt, np.hstack([self.item_factors_, self.item_bias_[:, None]]),
            self.user_factors_, self.user_bias_, alpha, reg, steps,
        )
        self.item_factors_, self.item_bias_ = v[:, :-1].copy(), v[:, -1].copy()

    def _fit(self, train, progress) -> None:
        rng = np.random.default_rng(self.random_state)
        f = int(self.factors)
        self.user_factors_ = (rng.standard_normal((self.n_users_, f)) * 0.01).astype(np.float32)
        self.item_factors_ = (rng.standard_normal((self.n_items_, f)) * 0.01).astype(np.float32)
        self.user_bias_ = np.zeros(self.n_users_, dtype=np.float32)
        self.item_bias_ = np.zeros(self.n_items_, dtype=np.float32)
        fit, val = holdout(train, check_fraction("als", self.validation), int(self.random_state))
        m = binary_matrix(fit)
        mt = m.T.tocsr()
        total = int(self.iterations)
        stopper = EarlyStopping(int(self.patience))
        best = None
        for it in range(1, total + 1):
            self._alternate(m, mt)
            score = None
            if val is not None:
                score = validation_ndcg(self._scores, fit, val)
                if stopper.update(it, score):
                    best = self._state()
            if progress is not None:
                progress(Progress(it, total, None, score, f"iteration {it}/{total}"))
            if val is not None and stopper.stop:
                break
        self.iterations_ = it
        if val is not None:
            self._set_state(best)
            self.iterations_ = stopper.best_epoch + 1
            report_stop(progress, stopper, it, total, "iteration")
            full = binary_matrix(train)
            self._alternate(full, full.T.tocsr())  # the held-out interactions count too

    def _state(self):
        return tuple(getattr(self, a).copy() for a in self._arrays)

    def _set_state(self, state) -> None:
        for a, v in zip(self._arrays, state, strict=True):
            setattr(self, a, v)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return (
            self.user_factors_[users] @ self.item_factors_.T
            + self.user_bias_[users][:, None]
            + self.item_bias_[None, :]
        )

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[items])
        return (dots + self.user_bias_[users] + self.item_bias_[items]).astype(np.float32)
