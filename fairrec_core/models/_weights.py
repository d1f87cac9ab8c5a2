"""Interaction weights (rebalanced data, issue 11) as the models use them.

A Dataset whose ``interactions`` frame has a float column ``"weight"`` carries one weight per
interaction (see :mod:`fairrec_core.rebalance`); without that column every function here returns
None and the models run their unweighted code.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: The interactions column holding the weights.
WEIGHT = "weight"


def weight_matrix(data) -> sp.csr_matrix | None:
    """The user x item matrix of the interaction weights (float32), with the sparsity pattern
    and index order of :func:`~fairrec_core.models._base.binary_matrix`; None without weights."""
    inter = data.interactions
    if WEIGHT not in inter.columns:
        return None
    out = sp.csr_matrix(
        (inter[WEIGHT].to_numpy(np.float32),
         (inter["user"].to_numpy(np.int64), inter["item"].to_numpy(np.int64))),
        shape=(data.n_users, data.n_items), dtype=np.float32,
    )
    out.sort_indices()
    return out


def row_weights(data) -> np.ndarray | None:
    """Each user's mean interaction weight (float64; 1 for a user without interactions), the
    row weights of the item-item models; None without weights."""
    inter = data.interactions
    if WEIGHT not in inter.columns:
        return None
    user = inter["user"].to_numpy(np.int64)
    total = np.bincount(user, weights=inter[WEIGHT].to_numpy(np.float64), minlength=data.n_users)
    count = np.bincount(user, minlength=data.n_users)
    return np.divide(total, count, out=np.ones(data.n_users), where=count > 0)
