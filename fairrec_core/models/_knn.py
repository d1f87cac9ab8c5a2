"""Neighbourhood helpers shared by the kNN models: shrunk cosine and top-n neighbour tables."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.models._base import chunk_rows, top_k


def neighbour_table(
    x: sp.csr_matrix, neighbors: int, shrink: float, progress_step=None
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``x`` (binary CSR), its ``neighbors`` most similar other rows by cosine
    shrunk towards zero, ``a.b / (|a| |b| + shrink)``: ``(indices int32 [n, k], weights
    float32 [n, k])`` best first; rows without enough positive neighbours are padded with
    weight 0 (index 0). Ties go to the lower index."""
    n = x.shape[0]
    k = min(int(neighbors), n - 1)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel()).astype(np.float32)
    xt = x.T.tocsr()
    indices = np.zeros((n, max(k, 0)), dtype=np.int32)
    weights = np.zeros((n, max(k, 0)), dtype=np.float32)
    if k <= 0:
        return indices, weights
    step = chunk_rows(n)
    for start in range(0, n, step):
        rows = np.arange(start, min(n, start + step))
        dots = (x[rows] @ xt).toarray().astype(np.float32)
        sims = dots / (norms[rows][:, None] * norms[None, :] + np.float32(shrink) + 1e-12)
        sims[np.arange(len(rows)), rows] = -np.inf  # never your own neighbour
        part, vals = top_k(sims, k)
        keep = vals > 0
        indices[rows] = np.where(keep, part, 0)
        weights[rows] = np.where(keep, vals, 0.0)
        if progress_step is not None:
            progress_step(int(rows[-1]) + 1, n)
    return indices, weights


def table_matrix(indices: np.ndarray, weights: np.ndarray, rows: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """The sparse ``len(rows) x n_cols`` matrix of the neighbour weights of ``rows``."""
    k = indices.shape[1]
    return sp.csr_matrix(
        (weights[rows].ravel(), indices[rows].ravel(), np.arange(len(rows) + 1) * k),
        shape=(len(rows), n_cols),
    )
