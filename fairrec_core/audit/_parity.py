"""Demographic parity of what is recommended, and of what the groups chose themselves.

For a user grouping and an item attribute: each group's share of the recommended slots per value
(a group x value table), per value the difference (max - min) and ratio (min / max) across
groups, each group's Jensen-Shannon divergence from the overall distribution, and the same for
the groups' training histories. Bias disparity (Tsintzou, Pitoura & Tsaparas 2018) compares
the two: ``(recommended share - history share) / history share`` per group and value — positive
where the model amplifies what the group's history already leaned to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.audit._gaps import ratio
from fairrec_core.metrics import js_divergence
from fairrec_core.ranking import PAD_ITEM

#: Columns of the four parity tables: by group and value, by value, summary, JS divergence.
PARITY_COLUMNS = (
    ("attribute", "item_attribute", "group", "value", "recommended_share", "history_share",
     "bias_disparity"),
    ("attribute", "item_attribute", "value", "recommended_overall", "history_overall",
     "difference", "ratio", "history_difference", "history_ratio"),
    ("attribute", "item_attribute", "difference", "ratio", "history_difference", "history_ratio"),
    ("attribute", "item_attribute", "group", "js_divergence", "history_js_divergence",
     "compared"),
)


def user_value_counts(train, codes: np.ndarray, n_values: int) -> sp.csr_matrix:
    """``[n_users, n_values]``: each user's training interactions per attribute value."""
    inter = train.interactions
    return sp.csr_matrix(
        (np.ones(len(inter)),
         (inter["user"].to_numpy(np.int64), codes[inter["item"].to_numpy(np.int64)])),
        shape=(train.n_users, n_values),
    )


def slot_counts(items: np.ndarray, codes: np.ndarray, n_values: int) -> sp.csr_matrix:
    """``[n_lists, n_values]``: each list's recommended slots per attribute value."""
    valid = items != PAD_ITEM
    rows = np.nonzero(valid)[0]
    return sp.csr_matrix((np.ones(len(rows)), (rows, codes[items[valid]])),
                         shape=(len(items), n_values))


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1), np.nan)


def parity_tables(grouping, cols: slice, indicator: sp.csr_matrix, rec: sp.csr_matrix,
                  hist: sp.csr_matrix, attribute, eligible: np.ndarray):
    """``(by_value, summary, js)`` frames for one grouping and item attribute.

    ``rec`` / ``hist``: per listed user, slots / history interactions per value; ``eligible``:
    per group of the grouping, large enough to compare."""
    ind = indicator[:, cols]
    rec_g = np.asarray((ind.T @ rec).todense())
    hist_g = np.asarray((ind.T @ hist).todense())
    rec_share, hist_share = _shares(rec_g), _shares(hist_g)
    rec_all = _shares(np.asarray(rec.sum(axis=0)).ravel())
    hist_all = _shares(np.asarray(hist.sum(axis=0)).ravel())
    with np.errstate(invalid="ignore", divide="ignore"):
        disparity = np.where(hist_share > 0, (rec_share - hist_share) / hist_share, np.nan)
    G, V = rec_share.shape
    labels = np.array(grouping.labels, dtype=object)
    values = np.array(attribute.values, dtype=object)
    by_value = pd.DataFrame({
        "attribute": grouping.attribute,
        "item_attribute": attribute.name,
        "group": np.repeat(labels, V),
        "value": np.tile(values, G),
        "recommended_share": rec_share.ravel(),
        "history_share": hist_share.ravel(),
        "bias_disparity": disparity.ravel(),
    })
    ok = eligible & ~np.isnan(rec_share).any(axis=1)
    ok_h = eligible & ~np.isnan(hist_share).any(axis=1)

    def spread(share, mask):
        if mask.sum() < 2:
            nan = np.full(V, np.nan)
            return nan, nan
        s = share[mask]
        return s.max(axis=0) - s.min(axis=0), ratio(s.min(axis=0), s.max(axis=0))

    diff, rat = spread(rec_share, ok)
    hdiff, hrat = spread(hist_share, ok_h)
    per_value = pd.DataFrame({
        "attribute": grouping.attribute, "item_attribute": attribute.name, "value": values,
        "recommended_overall": rec_all, "history_overall": hist_all,
        "difference": diff, "ratio": rat, "history_difference": hdiff, "history_ratio": hrat,
    })
    js = pd.DataFrame({
        "attribute": grouping.attribute, "item_attribute": attribute.name, "group": labels,
        "js_divergence": js_divergence(np.nan_to_num(rec_share), rec_all),
        "history_js_divergence": js_divergence(np.nan_to_num(hist_share), hist_all),
        "compared": ok,
    })
    return by_value, per_value, js


def parity_summary(per_value: pd.DataFrame) -> pd.DataFrame:
    """Per grouping and item attribute: ``difference`` (the largest per-value max - min share),
    ``ratio`` (the smallest per-value min / max) and the same for histories."""
    g = per_value.groupby(["attribute", "item_attribute"], sort=False)
    return g.agg(difference=("difference", "max"), ratio=("ratio", "min"),
                 history_difference=("history_difference", "max"),
                 history_ratio=("history_ratio", "min")).reset_index()


def recommended_parity(index, big: np.ndarray, items: np.ndarray, attributes) -> pd.DataFrame:
    """The fast path: per single-attribute grouping and item attribute, ``difference`` (largest
    per-value max - min share of recommended slots across compared groups), ``ratio`` (smallest
    per-value min / max) and ``value`` (where the difference is largest).

    All item attributes at once: slots are counted per group and item (one bincount), then summed
    into every attribute's values by one sparse product; each group's slots sum to the same
    total in every attribute."""
    sizes = [a.n_values for a in attributes]
    starts = np.concatenate(([0], np.cumsum(sizes)))
    width = int(starts[-1])
    n_items = len(attributes[0].codes) if attributes else 0
    codes = np.stack([a.codes for a in attributes], axis=1) + starts[:-1]  # [n_items, n_attrs]
    item_values = sp.csr_matrix(  # item x (every attribute's values side by side), 0/1
        (np.ones(codes.size), codes.ravel(), np.arange(0, codes.size + 1, len(attributes))),
        shape=(n_items, width))
    valid = items != PAD_ITEM
    slot_user = np.nonzero(valid)[0]
    slot_item = items[valid]
    rows = []
    for j, (g, cols) in enumerate(index.group_slices()):
        if g.is_intersection:
            continue
        group = index.columns[slot_user, j] - cols.start
        per_item = np.bincount(group * n_items + slot_item, minlength=g.n_groups * n_items)
        counts = np.asarray(item_values.T @ per_item.reshape(g.n_groups, n_items).T).T
        slots = np.bincount(group, minlength=g.n_groups).astype(np.float64)
        ok = big[cols] & (slots > 0)
        if ok.sum() < 2:
            rows += [(g.attribute, a.name, np.nan, np.nan, None) for a in attributes]
            continue
        share = counts[ok] / slots[ok, None]
        hi, lo = share.max(axis=0), share.min(axis=0)
        diff, rat = hi - lo, ratio(lo, hi)
        for a, s, e in zip(attributes, starts[:-1], starts[1:], strict=True):
            worst = int(np.argmax(diff[s:e]))
            rows.append((g.attribute, a.name, float(diff[s + worst]), float(np.nanmin(rat[s:e])),
                         a.values[worst]))
    return pd.DataFrame(rows, columns=["attribute", "item_attribute", "difference", "ratio",
                                       "value"])
