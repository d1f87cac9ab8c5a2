"""The data-balance table: what a rebalancing did to each group's share of the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.rebalance._weights import SIDES, WEIGHT_COLUMN, _labels

#: Columns of :func:`balance_table`.
COLUMNS = ("group", "measure", "by", "before", "after")


def balance_table(data, attribute: str, *, weights=None, side: str = "user",
                  by: str | None = "category") -> pd.DataFrame:
    """Each group of ``attribute`` (user groups, or item groups with ``side="item"``): its share
    of the users (items), of the interactions, and of the interactions in each value of ``by``
    (an item attribute such as ``"category"`` on the user side, a user attribute such as
    ``"gender"`` on the item side; None or a missing column leaves these rows out) — ``before``
    with every interaction counting once, ``after`` weighted by ``weights`` (one per interaction;
    default: the data's ``"weight"`` column, or ones). Long form, one row per (group, measure,
    by): ``measure`` is ``"members"``, ``"interactions"`` or ``"within"`` (then ``by`` holds the
    value); within every (measure, by) the shares sum to 1."""
    if side not in SIDES:
        from fairrec_core.errors import DataError

        raise DataError(f"balance: side must be one of {', '.join(SIDES)}, got {side!r}")
    inter = data.interactions
    if weights is None:
        weights = (inter[WEIGHT_COLUMN].to_numpy(np.float64) if WEIGHT_COLUMN in inter.columns
                   else np.ones(len(inter)))
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(inter),):
        from fairrec_core.errors import DataError

        raise DataError(f"balance: {len(weights)} weights for {len(inter)} interactions")
    labels = _labels(data, attribute, side)
    own, other = ("user", "item") if side == "user" else ("item", "user")
    group = labels[inter[own].to_numpy(np.int64)]
    rows = []
    members = pd.Series(labels).value_counts(normalize=True)
    for g in sorted(members.index):
        rows.append((g, "members", "", float(members[g]), float(members[g])))
    rows += _shares(group, np.ones(len(inter)), weights, "interactions", "")
    table = data.items if side == "user" else data.users
    if by is not None and by in table.columns:
        values = table[by].astype("string").fillna("Unknown").astype(str).to_numpy()
        within = values[inter[other].to_numpy(np.int64)]
        for v in sorted(set(within)):
            sel = within == v
            rows += _shares(group[sel], np.ones(int(sel.sum())), weights[sel], "within", v)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _shares(group: np.ndarray, before: np.ndarray, after: np.ndarray, measure: str, by: str):
    frame = pd.DataFrame({"group": group, "before": before, "after": after})
    sums = frame.groupby("group", sort=True)[["before", "after"]].sum()
    totals = sums.sum()
    return [(g, measure, by, float(r["before"] / totals["before"]),
             float(r["after"] / totals["after"])) for g, r in sums.iterrows()]
