"""Summary tables of a dataset for the Data page (pure pandas; cached by the services)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.data import Dataset


def group_sizes(data: Dataset) -> pd.DataFrame:
    """``attribute, group, users, interactions, per_user, user_share, interaction_share``."""
    rows = []
    counts = data.user_counts
    for attr in data.user_attributes:
        groups = data.user_groups(attr).to_numpy()
        frame = pd.DataFrame({"group": groups, "n": counts})
        agg = frame.groupby("group", sort=False)["n"].agg(users="size", interactions="sum")
        agg = agg.reindex(_order(data, attr, agg.index))
        for g, r in agg.iterrows():
            rows.append((attr, g, int(r["users"]), int(r["interactions"])))
    out = pd.DataFrame(rows, columns=["attribute", "group", "users", "interactions"])
    out["per_user"] = out["interactions"] / out["users"]
    tot = out.groupby("attribute")[["users", "interactions"]].transform("sum")
    out["user_share"] = out["users"] / tot["users"]
    out["interaction_share"] = out["interactions"] / tot["interactions"]
    return out


def category_mix(data: Dataset, attribute: str, item_attribute: str = "category") -> pd.DataFrame:
    """Share of each group's interactions per value of an item attribute (rows sum to 1)."""
    inter = data.interactions
    groups = data.user_groups(attribute).to_numpy()[inter["user"].to_numpy()]
    values = data.items[item_attribute].astype("string").fillna("Unknown").to_numpy()
    values = values[inter["item"].to_numpy()]
    table = pd.crosstab(pd.Series(groups, name="group"), pd.Series(values, name=item_attribute),
                        normalize="index")
    return table.reindex(_order(data, attribute, table.index))


def long_tail(data: Dataset) -> pd.DataFrame:
    """Items by popularity rank with their interaction count and the cumulative share; ``head``
    marks the most popular items that together hold 20% of interactions."""
    counts = np.sort(data.item_counts)[::-1]
    cum = np.cumsum(counts) / max(1, counts.sum())
    head = np.concatenate(([True], cum[:-1] < 0.2))
    return pd.DataFrame({"rank": np.arange(1, len(counts) + 1), "interactions": counts,
                         "cumulative_share": cum, "head": head})


def _order(data: Dataset, attribute: str, present) -> list:
    """Groups in the attribute's natural order (categorical order), then the rest sorted."""
    col = data.users[attribute]
    present = list(present)
    if isinstance(col.dtype, pd.CategoricalDtype):
        ordered = [str(c) for c in col.cat.categories if str(c) in present]
        return ordered + sorted(p for p in present if p not in ordered)
    return sorted(present)
