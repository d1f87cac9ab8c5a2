"""What the probe reads: a fitted model's user embeddings, or the users' recommendation lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.leakage._probe import probe
from fairrec_core.ranking import PAD_ITEM, RankedLists

#: Learned arrays holding one vector per user (ALS/BPR: factors; two-tower/SASRec: vectors).
EMBEDDING_ARRAYS = ("user_factors_", "user_vectors_")
#: Columns of :func:`leakage`'s table.
COLUMNS = ("source", "auc", "low", "high", "accuracy", "baseline_accuracy", "n", "n_left_out")


def embedding_array(model) -> str | None:
    """The name of ``model``'s per-user embedding array, or None for a model without one."""
    return next((name for name in EMBEDDING_ARRAYS if name in type(model)._arrays), None)


def user_embeddings(model, users=None) -> np.ndarray:
    """The fitted ``model``'s embedding of each user index in ``users`` (all users if None).

    A model without user embeddings (popularity, kNN, EASE) or an unfitted one is a
    :class:`ModelError` naming it.
    """
    name = model.name or type(model).__name__
    attr = embedding_array(model)
    if attr is None:
        raise ModelError(f"{name}: the model has no user embeddings to probe; probe its "
                         "recommendation lists instead")
    model._check_fitted()
    array = getattr(model, attr)
    if users is None:
        return np.asarray(array)
    return np.asarray(array)[model._check_users(users)]


def list_features(lists: RankedLists, n_items: int) -> sp.csr_matrix:
    """Bag of items of each list: ``[lists.n_users, n_items]``, 1 where the item is in the row's
    list (padding ignored; an item listed twice still counts 1)."""
    rows, cols = np.nonzero(lists.items != PAD_ITEM)
    items = lists.items[rows, cols]
    if items.size and (items.min() < 0 or items.max() >= int(n_items)):
        raise ModelError(f"recommendation lists name item index {int(items.max())}, outside "
                         f"0..{int(n_items) - 1}")
    m = sp.csr_matrix((np.ones(len(rows)), (rows, items)), shape=(lists.n_users, int(n_items)))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def leakage(model, data, lists: RankedLists, attribute: str, *, cv: int = 5,
            seed: int = 0) -> pd.DataFrame:
    """Probe ``attribute`` (a user column of ``data``) from the users of ``lists``: from the
    model's user embeddings where it has them ("embedding" row) and from the lists ("list" row).

    One row per source with the columns :data:`COLUMNS`; both rows probe the same users.
    """
    labels = data.user_groups(attribute).to_numpy()[lists.users]
    rows = []
    if model is not None and embedding_array(model) is not None:
        if model.n_users_ != data.n_users:
            raise ModelError(f"{model.name}: fitted on {model.n_users_} users, the data has "
                             f"{data.n_users}")
        rows.append(("embedding", probe(user_embeddings(model, lists.users), labels,
                                        cv=cv, seed=seed)))
    rows.append(("list", probe(list_features(lists, data.n_items), labels, cv=cv, seed=seed)))
    return pd.DataFrame([{"source": source, **{c: getattr(r, c) for c in COLUMNS[1:]}}
                         for source, r in rows], columns=list(COLUMNS))
