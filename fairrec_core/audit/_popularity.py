"""Popularity lift per user group: ΔGAP (Abdollahpouri, Mansoury, Burke & Mobasher, "The
Unfairness of Popularity Bias in Recommendation", 2019).

``GAP_p(g)`` is the mean, over the group's users, of the average training popularity of the
items in their history; ``GAP_r(g)`` the same over their recommended lists (the user's ARP).
``ΔGAP = (GAP_r - GAP_p) / GAP_p``: above 0 the group is recommended more popular items than it
chose itself. (The paper measures popularity as the share of users; the ratio is the same with
interaction counts.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def popularity_lift(index, groupings_sizes: np.ndarray, profile: np.ndarray,
                    recommended: np.ndarray) -> pd.DataFrame:
    """``attribute, group, n_users, profile_popularity, recommended_popularity, delta_gap``
    (plus an ``overall`` row), from per listed user history popularity and ARP (NaN left
    out)."""
    values = np.column_stack([profile, recommended])
    defined = ~np.isnan(values)
    sums = index.sums(np.where(defined, values, 0.0))
    n = index.sums(defined.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, sums / n, np.nan)
    attrs = [g.attribute for g in index.groupings for _ in g.labels]
    labels = [lab for g in index.groupings for lab in g.labels]
    overall = np.array([np.nanmean(profile) if defined[:, 0].any() else np.nan,
                        np.nanmean(recommended) if defined[:, 1].any() else np.nan])
    gp = np.concatenate([[overall[0]], means[:, 0]])
    gr = np.concatenate([[overall[1]], means[:, 1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(gp > 0, (gr - gp) / gp, np.nan)
    return pd.DataFrame({
        "attribute": ["overall", *attrs],
        "group": ["all", *labels],
        "n_users": np.concatenate([[len(profile)], groupings_sizes]).astype(np.int64),
        "profile_popularity": gp,
        "recommended_popularity": gr,
        "delta_gap": delta,
    })
