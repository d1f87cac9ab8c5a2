"""One ALS half-step: the regularised weighted least squares of every user (or every item) at
once, by a few warm-started conjugate-gradient steps (Takacs et al. 2011) using only dense matrix
products and the sparse interaction matrix.

The plain step (Hu, Koren & Volinsky 2008) fits every cell of ``own``'s rows: preference 1 with
confidence ``1 + alpha`` on an interaction, 0 with confidence 1 elsewhere. Three optional
generalisations, each None for the plain computation (bit-identical to it):

- ``extra``: the extra confidence of each interaction, aligned with ``m.data`` (``alpha * v``
  for interaction weights relative to their user's mean, see ``ALS``) instead of ``alpha``;
- ``row_scale``: a positive factor per own row multiplying that row's whole data term (its
  penalty ``reg`` unchanged) — a user's weight in the user step;
- ``col_scale``: a positive factor per *other* entity multiplying every cell it is part of — the
  users' weights in the item step (Gram ``W' S W``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Interactions per slice of the fitted values (a slice's gathered rows: 2 x 256k x factors).
_SLICE = 1 << 18


def solve_side(m: sp.csr_matrix, own: np.ndarray, other: np.ndarray, other_bias: np.ndarray,
               alpha: float, reg: float, cg_steps: int, *, extra: np.ndarray | None = None,
               row_scale: np.ndarray | None = None,
               col_scale: np.ndarray | None = None) -> np.ndarray:
    """Update ``own`` (rows: [factors, bias]) given the other side's factors and biases.

    ``m`` is the binary matrix with ``own``'s entities as rows. The design rows are
    ``w_j = [other_j, 1]`` and the targets ``p - other_bias_j``.
    """
    w = np.hstack([other, np.ones((len(other), 1), dtype=other.dtype)])
    b = other_bias[m.indices]
    if col_scale is None:
        gram = w.T @ w + reg * np.eye(w.shape[1], dtype=w.dtype)
        # right-hand side: -W'b + sum over interactions of ((1+alpha)(1-b_j) + b_j) w_j
        coef = m.copy()
        coef.data = ((1.0 + (alpha if extra is None else extra)) * (1.0 - b) + b
                     ).astype(np.float32)
        rhs = (coef @ w) - (w.T @ other_bias)[None, :]
    else:
        cs = np.asarray(col_scale, dtype=np.float32)
        gram = w.T @ (w * cs[:, None]) + reg * np.eye(w.shape[1], dtype=w.dtype)
        coef = m.copy()
        coef.data = ((1.0 + (alpha if extra is None else extra)) * (1.0 - b) + b
                     ).astype(np.float32) * cs[m.indices]
        rhs = (coef @ w) - (w.T @ (cs * other_bias))[None, :]
    conf = None  # the extra confidence per interaction when it is not the constant alpha
    if extra is not None or col_scale is not None:
        conf = np.full(m.nnz, alpha, np.float32) if extra is None else extra.astype(np.float32)
        if col_scale is not None:
            conf = conf * cs[m.indices]
    if row_scale is not None:
        rs = np.asarray(row_scale, dtype=np.float32)
        # a row's data term times rs: (rs W'SW + reg I) x = rs rhs, written with gram as above
        eye = reg * np.eye(w.shape[1], dtype=w.dtype)
        data_gram = gram - eye
        rhs = rs[:, None] * rhs

    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))  # each interaction's own row
    weight = np.float32(alpha) if conf is None else conf
    if row_scale is not None:
        weight = weight * rs[rows]

    def apply(x: np.ndarray) -> np.ndarray:
        out = x @ gram if row_scale is None else rs[:, None] * (x @ data_gram) + x @ eye
        # the interactions' extra confidence times their fitted values x_u . w_j, computed only
        # at the interactions (never a dense rows x columns block), in slices of interactions
        vals = np.empty(m.nnz, dtype=np.float32)
        for lo in range(0, m.nnz, _SLICE):
            hi = min(lo + _SLICE, m.nnz)
            vals[lo:hi] = np.einsum("ij,ij->i", x[rows[lo:hi]], w[m.indices[lo:hi]])
        vals *= weight
        out += sp.csr_matrix((vals, m.indices, m.indptr), shape=m.shape) @ w
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
