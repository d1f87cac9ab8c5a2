"""The figures of one round, overall and per user group, each from the project's own metric
functions (:mod:`fairrec_core.metrics`): what was listed (accuracy against the truth, true
utility, popularity, exposure, coverage, miscalibration, homogenisation) and what was chosen."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from fairrec_core.feedback._similarity import list_sets, mean_jaccard
from fairrec_core.metrics import (
    average_popularity,
    calibration_attribute,
    calibration_kl,
    category_matrix,
    coverage,
    gini,
    history_distribution,
    item_exposure,
    list_distribution,
    lookup_hits,
    ndcg,
)
from fairrec_core.ranking import PAD_ITEM

#: The metrics of every round, in table order: per user, then per set of lists, then choices.
METRICS = ("ndcg", "utility", "popularity", "miscalibration", "gini", "coverage",
           "list_similarity", "consumed_similarity", "data_gini", "chosen_utility", "choices")
#: In words (charts, report).
METRIC_NAMES = {
    "ndcg": "NDCG@k against the truth's best unseen items",
    "utility": "mean true utility of the listed items",
    "popularity": "average popularity of the listed items (training interactions)",
    "miscalibration": "miscalibration against the round-0 profile (KL)",
    "gini": "Gini of item exposure",
    "coverage": "catalogue coverage",
    "list_similarity": "homogenisation: mean Jaccard of users' lists",
    "consumed_similarity": "homogenisation: mean Jaccard of users' consumed items",
    "data_gini": "Gini of the group's training interactions per item",
    "chosen_utility": "mean true utility of the chosen items",
    "choices": "items chosen per user",
}
#: The label of the row over all users.
ALL = "all"


@dataclass(frozen=True, eq=False)
class LoopContext:
    """What every round is measured against: the groups (``labels[g]`` = ``(attribute,
    group)`` of column ``g`` of ``members``; column 0 is every user), the round-0 category
    profile of each user, the items' category matrix and the truth."""

    labels: tuple[tuple[str, str], ...]
    members: np.ndarray  # bool [n_users, n_groups]
    profile: np.ndarray | None  # float64 [n_users, n_categories], round-0 history
    categories: sp.csr_matrix | None
    utilities: np.ndarray  # float32 [n_users, n_items]
    k: int

    @classmethod
    def build(cls, data, truth, *, k: int, attributes=None) -> LoopContext:
        """Groups from :func:`fairrec_core.audit.user_groupings` (default: the audited
        attributes), uninformative labels ("Unknown", the demo's "U") left out as the audit's
        gaps do; the profile is the calibration metric's history distribution of ``data``."""
        from fairrec_core.audit import user_groupings

        labels, columns = [(ALL, ALL)], [np.ones(data.n_users, dtype=bool)]
        for grouping in user_groupings(data, attributes, intersections=False):
            for code, (label, skip) in enumerate(zip(grouping.labels, grouping.uninformative,
                                                     strict=True)):
                if not skip:
                    labels.append((grouping.attribute, label))
                    columns.append(grouping.codes == code)
        column = calibration_attribute(data.items)
        categories = profile = None
        if column is not None:
            categories = category_matrix(data.items[column])[1]
            profile = history_distribution(data, categories)
        return cls(tuple(labels), np.stack(columns, axis=1), profile, categories,
                   truth.utilities, int(k))

    def ideal(self, seen: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Sorted ``user * n_items + item`` keys of each user's ``k`` best unseen items by true
        utility, and their number per user (fewer where fewer are unseen)."""
        n_users, n_items = self.utilities.shape
        keys, counts = [], np.zeros(n_users, dtype=np.int64)
        step = max(1, (1 << 22) // n_items)
        for lo in range(0, n_users, step):
            hi = min(n_users, lo + step)
            block = self.utilities[lo:hi].astype(np.float64)
            part = seen[lo:hi].tocoo()
            block[part.row, part.col] = -np.inf
            kk = min(self.k, n_items)
            top = np.argpartition(-block, kk - 1, axis=1)[:, :kk]
            ok = np.isfinite(np.take_along_axis(block, top, axis=1))
            rows = np.arange(lo, hi)[:, None] + np.zeros_like(top)
            keys.append((rows * n_items + top)[ok])
            counts[lo:hi] = ok.sum(axis=1)
        return np.sort(np.concatenate(keys)), counts


def _group_means(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per group, the mean of the per-user ``values`` over its users with a defined value."""
    ok = np.isfinite(values)
    m = members & ok[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.where(ok, values, 0.0) @ m) / m.sum(axis=0)


def _true_values(utilities: np.ndarray, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    valid = items != PAD_ITEM
    return np.where(valid, utilities[users[:, None], np.where(valid, items, 0)].astype(np.float64),
                    np.nan)


def measure_round(ctx: LoopContext, lists, train, chosen: tuple[np.ndarray, np.ndarray],
                  consumed: sp.csr_matrix) -> dict[str, np.ndarray]:
    """``{metric: value per group}`` (in ``ctx.labels`` order) for one round: ``lists`` the
    top-k of every user (a :class:`~fairrec_core.ranking.RankedLists`, row ``r`` = user
    ``r``), ``train`` the data the model was trained on this round, ``chosen`` the ``(user,
    item)`` pairs chosen from the lists and ``consumed`` every item chosen in the loop so far
    (users x items)."""
    n_users, n_items = ctx.utilities.shape
    items, users, members = lists.items, lists.users, ctx.members
    keys, n_ideal = ctx.ideal(sp.csr_matrix(train.matrix))
    true = _true_values(ctx.utilities, users, items)
    listed = np.isfinite(true).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_user = {
            "ndcg": ndcg(lookup_hits(users, items, keys, n_items), n_ideal[users]),
            "utility": np.where(listed > 0, np.nansum(true, axis=1) / listed, np.nan),
            "popularity": average_popularity(items, train.item_counts),
        }
    if ctx.profile is not None:
        per_user["miscalibration"] = calibration_kl(ctx.profile[users],
                                                    list_distribution(items, ctx.categories))
    out = {m: _group_means(v, members[users]) for m, v in per_user.items()}
    if "miscalibration" not in out:
        out["miscalibration"] = np.full(members.shape[1], np.nan)
    by_group = [members[users, g] for g in range(members.shape[1])]
    out["gini"] = np.array([gini(item_exposure(items[m], n_items)) for m in by_group])
    out["coverage"] = np.array([coverage(items[m], n_items) for m in by_group])
    out["list_similarity"] = mean_jaccard(list_sets(items, n_users, n_items, users), members)
    out["consumed_similarity"] = mean_jaccard(consumed, members)
    inter_user = train.interactions["user"].to_numpy()
    inter_item = train.interactions["item"].to_numpy()
    out["data_gini"] = np.array([gini(np.bincount(inter_item[members[inter_user, g]],
                                                  minlength=n_items))
                                 for g in range(members.shape[1])])
    rows, picked = chosen
    count = np.bincount(rows, minlength=n_users).astype(np.float64)
    value = np.bincount(rows, weights=ctx.utilities[rows, picked], minlength=n_users)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["chosen_utility"] = _group_means(np.where(count > 0, value / count, np.nan), members)
    out["choices"] = _group_means(count, members)
    return {m: out[m] for m in METRICS}
