"""Homogenisation: the mean Jaccard similarity of pairs of users' item sets (T-RECS's
``InteractionSimilarity``, Chaney et al. 2018), within each group of users."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Rows of the pairwise similarity block computed at once.
CHUNK_ROWS = 512


def mean_jaccard(sets: sp.csr_matrix, members: np.ndarray) -> np.ndarray:
    """Per column ``g`` of ``members`` (bool ``[n_users, n_groups]``), the mean over every pair
    of distinct users both in ``g`` of ``|A ∩ B| / |A ∪ B|``, where row ``u`` of ``sets`` (a
    users x items 0/1 matrix) is user ``u``'s set. Pairs of two empty sets are left out; NaN
    for a group without a pair. Exact, in row blocks (O(users² ) per call)."""
    b = sp.csr_matrix(sets, dtype=np.float64)
    b.data[:] = 1.0
    size = np.asarray(b.sum(axis=1)).ravel()
    g = np.asarray(members, dtype=np.float64)
    total = np.zeros(g.shape[1])
    count = np.zeros(g.shape[1])
    n = b.shape[0]
    for lo in range(0, n, CHUNK_ROWS):
        hi = min(n, lo + CHUNK_ROWS)
        inter = (b[lo:hi] @ b.T).toarray()
        union = size[lo:hi, None] + size[None, :] - inter
        defined = union > 0
        defined[np.arange(hi - lo), np.arange(lo, hi)] = False  # not a pair
        with np.errstate(invalid="ignore", divide="ignore"):
            jac = np.where(defined, inter / union, 0.0)
        total += (g[lo:hi] * (jac @ g)).sum(axis=0)
        count += (g[lo:hi] * (defined.astype(np.float64) @ g)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def list_sets(items: np.ndarray, n_users: int, n_items: int, rows: np.ndarray) -> sp.csr_matrix:
    """The users x items 0/1 matrix of lists ``items`` (``[len(rows), k]``, ``-1`` pads) of the
    users ``rows``."""
    valid = items >= 0
    r = np.repeat(rows, valid.sum(axis=1))
    return sp.csr_matrix((np.ones(len(r)), (r, items[valid])), shape=(n_users, n_items))
