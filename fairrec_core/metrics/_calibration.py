"""Miscalibration (Steck 2018): how far a list's category mix is from the user's history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.ranking import PAD_ITEM

#: Steck's smoothing of the list distribution toward the history, q~ = (1 - a) q + a p.
CALIBRATION_ALPHA = 0.01


#: Item columns the calibration distribution is read from, in order of preference: MovieLens'
#: "|"-joined genres, else a single category.
CALIBRATION_COLUMNS = ("categories", "category")


def calibration_attribute(items: pd.DataFrame) -> str | None:
    """The item column whose distribution ``calibration_kl`` measures by default: ``categories``
    ("|"-joined, spread evenly) where the data has it, else ``category``; None with neither."""
    return next((c for c in CALIBRATION_COLUMNS if c in items.columns), None)


def category_combos(labels: pd.Series) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The distinct category mixes of ``labels`` (one label per item): ``(categories, mixes,
    item_mix)`` with ``mixes[m]`` mix ``m``'s distribution over ``categories`` (float64, rows sum
    to 1) and ``item_mix[j]`` item ``j``'s mix.

    "|"-joined labels (MovieLens ``categories``) are split and the item's weight is spread evenly
    over its genres (Steck 2018). A missing or empty label is the category "Unknown".
    """
    text = labels.astype("string").fillna("").astype(str).to_numpy()
    combos, item_combo = np.unique(text, return_inverse=True)
    parts = [list(dict.fromkeys(p for p in c.split("|") if p)) or ["Unknown"] for c in combos]
    categories = sorted({p for ps in parts for p in ps})
    index = {c: i for i, c in enumerate(categories)}
    mixes = np.zeros((len(combos), len(categories)))
    for m, ps in enumerate(parts):
        mixes[m, [index[p] for p in ps]] = 1.0 / len(ps)
    return tuple(categories), mixes, item_combo.ravel().astype(np.int64)


def category_matrix(labels: pd.Series) -> tuple[tuple[str, ...], sp.csr_matrix]:
    """Each item's distribution over categories: ``(categories, A)`` with ``A[j, c]`` the weight
    of category ``c`` for item ``j`` (rows sum to 1; the mixes of :func:`category_combos`)."""
    categories, mixes, item_mix = category_combos(labels)
    return categories, sp.csr_matrix(sp.csr_matrix(mixes)[item_mix])


def history_distribution(train, item_categories: sp.csr_matrix) -> np.ndarray:
    """Per user index, the category distribution of the training history: the mean of the items'
    category rows, each history item weighing the same (float64 ``[n_users, C]``; zeros for a
    user without history)."""
    inter = train.interactions
    seen = sp.csr_matrix(
        (np.ones(len(inter)), (inter["user"].to_numpy(np.int64), inter["item"].to_numpy(np.int64))),
        shape=(train.n_users, train.n_items),
    )
    seen.data[:] = 1.0  # one weight per (user, item) even if duplicated
    dist = np.asarray((seen @ item_categories).todense())
    total = dist.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, dist / total, 0.0)


def list_distribution(items: np.ndarray, item_categories: sp.csr_matrix) -> np.ndarray:
    """Per list, the category distribution of its items, each listed item weighing the same
    (uniform over positions, as in Steck's experiments); zeros for an empty list."""
    n, k = items.shape
    valid = items != PAD_ITEM
    m = valid.sum(axis=1)
    rows = np.repeat(np.arange(n), m)
    weights = np.repeat(1.0 / np.maximum(m, 1), m)
    picks = sp.csr_matrix((weights, (rows, items[valid])), shape=(n, item_categories.shape[0]))
    return np.asarray((picks @ item_categories).todense())


def calibration_kl(p: np.ndarray, q: np.ndarray, *, alpha: float = CALIBRATION_ALPHA) -> np.ndarray:
    """Row-wise ``KL(p || q~)`` in nats with ``q~ = (1 - alpha) q + alpha p`` (Steck 2018, eq. 1-2):
    ``p`` the history distribution, ``q`` the list's. 0 = the list mirrors the history. Rows with
    an all-zero ``p`` (no history) or ``q`` (empty list) get NaN."""
    qs = (1.0 - alpha) * q + alpha * p
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / qs), 0.0)
    defined = (p.sum(axis=1) > 0) & (q.sum(axis=1) > 0)
    return np.where(defined, terms.sum(axis=1), np.nan)
