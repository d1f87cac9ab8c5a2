"""Why was this recommended: the user's own history items most similar to each recommended item.

Similarity is the cosine between item columns of the binary training matrix (every interaction
counts as one), so the explanation holds for any model: "because you bought X and Y".
"""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import DataError
from fairrec_core.ranking import PAD_ITEM


def explain(train, user: int, items, n: int = 3) -> list[list[tuple[int, float]]]:
    """For each item in ``items``, up to ``n`` ``(history item, cosine)`` pairs, most similar
    first (ties to the lower item index); only positive similarities are kept, and an item never
    explains itself. A padding item (``-1``) gets an empty list."""
    if isinstance(user, bool) or not isinstance(user, int | np.integer) or not 0 <= user < train.n_users:
        raise DataError(f"explain: unknown user index {user!r}; expected 0..{train.n_users - 1}")
    items = np.asarray(items, dtype=np.int64).reshape(-1)
    bad = items[(items != PAD_ITEM) & ((items < 0) | (items >= train.n_items))]
    if bad.size:
        raise DataError(f"explain: unknown item index {int(bad[0])}; expected 0..{train.n_items - 1}")
    if int(n) < 1:
        raise DataError(f"explain: n must be a positive integer, got {n!r}")
    m = train.matrix
    history = m.indices[m.indptr[user] : m.indptr[user + 1]].astype(np.int64)
    out: list[list[tuple[int, float]]] = [[] for _ in items]
    real = np.flatnonzero(items != PAD_ITEM)
    if not len(history) or not len(real):
        return out
    x = m.tocsc().astype(bool).astype(np.float32)
    norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
    targets = items[real]
    sims = (x[:, targets].T @ x[:, history]).toarray()
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = sims / (norms[targets][:, None] * norms[history][None, :])
    sims = np.nan_to_num(sims, nan=0.0)
    for row, pos in enumerate(real):
        s = np.where(history == items[pos], 0.0, sims[row])
        order = np.lexsort((history, -s))[: int(n)]
        out[pos] = [(int(history[j]), float(s[j])) for j in order if s[j] > 0]
    return out
