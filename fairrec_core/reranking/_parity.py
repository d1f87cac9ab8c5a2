"""Group parity of what is recommended: each user group's share of an item attribute moves
toward the overall share."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM, RankedLists
from fairrec_core.reranking._base import Reranker, gather, relevance
from fairrec_core.reranking._features import binary_classes, item_classes, user_group_codes
from fairrec_core.reranking._params import ParamSpec, strength_spec
from fairrec_core.reranking._queues import ClassQueues


class GroupParityReranker(Reranker):
    """Demographic parity of outcomes: user groups get similar shares of an item attribute.

    For user attribute ``A`` (e.g. gender) and item attribute ``B`` (e.g. category), let
    ``r_g(b)`` be group ``g``'s share of the recommended slots with value ``b`` in the model's
    top-k and ``o(b)`` the overall share. The re-ranker keeps as much estimated relevance as it
    can subject to each group's share of every value being ``tau_g(b) = r_g(b) + lam (o(b) -
    r_g(b))``, the statistical (demographic) parity constraint of Zemel et al. 2013 applied to
    recommended slots, moved a fraction ``lam`` of the way::

        max  sum_u sum_{i in L_u} s(u, i)   s.t.   share_g(b) = tau_g(b)  for all g, b

    (``s`` the model score min-max normalised within the user's candidates). Greedy quota
    solution, vectorised over users: at each position every user takes its best remaining
    candidate; then, per group, where a value falls behind its cumulative quota the users with
    the smallest relevance loss switch from a value that is ahead of its quota to the best
    candidate of the lagging value. The quota of every prefix of ``t`` positions moves the
    group's own counts in the model's top-``t`` a fraction ``lam`` of the way toward the overall
    share of that prefix, ``n_g,t (r_g,t(b) + lam (o_t(b) - r_g,t(b)))``, rounded: the quotas
    hold at every prefix, so the top positions are balanced too, and as ``lam -> 0`` they are the
    model's own counts, so the lists are the model's (the trade-off curve starts continuously at
    0). ``lam = 0`` keeps the model's ranking; ``lam = 1`` aims at equal shares. With ``value``
    set, only the share of that value (against all others) is balanced.
    """

    NAME = "parity"
    PARAMS = {
        "user_attr": ParamSpec(
            "user_attr",
            "user_attr",
            "user_attribute",
            "gender",
            "user attribute whose groups should receive similar shares",
            fit=True,
        ),
        "item_attr": ParamSpec(
            "item_attr",
            "item_attr",
            "item_attribute",
            "category",
            "item attribute whose shares are balanced",
            fit=True,
        ),
        "value": ParamSpec(
            "value",
            "value",
            "item_value",
            None,
            "balance only this value of the item attribute (none = all values)",
            optional=True,
            fit=True,
        ),
        "lam": strength_spec(help="trade-off: 0 = model ranking, 1 = closest to parity"),
    }
    TARGET = ("parity_difference", "down")

    def __init__(
        self,
        user_attr: str = "gender",
        item_attr: str = "category",
        value: str | None = None,
        lam: float = 0.5,
    ):
        self.user_attr = user_attr
        self.item_attr = item_attr
        self.value = value
        self.lam = lam

    def _fit(self, train) -> None:
        self.groups_, self.group_codes_ = user_group_codes(train, self.user_attr, owner=self.NAME)
        classes = item_classes(train, self.item_attr, owner=self.NAME)
        if self.value is not None:
            classes = binary_classes(classes, self.value, owner=self.NAME)
        self.classes_ = classes

    def _prepare(self, candidates: RankedLists):
        c = self.classes_
        return ClassQueues.build(candidates, c.codes, c.n_classes, relevance(candidates))

    def slot_counts(self, lists: RankedLists) -> np.ndarray:
        """Per listed user, the number of slots per item-attribute value [n, V]."""
        n_cls = self.classes_.n_classes
        valid = lists.items != PAD_ITEM
        codes = np.where(valid, self.classes_.codes[np.where(valid, lists.items, 0)], n_cls)
        flat = np.arange(lists.n_users)[:, None] * (n_cls + 1) + codes
        counts = np.bincount(flat.ravel(), minlength=lists.n_users * (n_cls + 1))
        return counts.reshape(lists.n_users, n_cls + 1)[:, :n_cls].astype(np.float64)

    def group_shares(self, lists: RankedLists) -> np.ndarray:
        """Share of recommended slots per (user group, value) [G, V]; NaN for an absent group."""
        counts = self.slot_counts(lists)
        groups = self.group_codes_[lists.users]
        total = np.zeros((len(self.groups_), counts.shape[1]))
        np.add.at(total, groups, counts)
        with np.errstate(invalid="ignore"):
            return total / total.sum(axis=1, keepdims=True)

    def parity_difference(self, lists: RankedLists) -> float:
        """Largest over values of the max - min share across the groups present."""
        shares = self.group_shares(lists)
        shares = shares[~np.isnan(shares).any(axis=1)]
        return float((shares.max(axis=0) - shares.min(axis=0)).max()) if len(shares) else 0.0

    def target_value(self, lists: RankedLists, candidates: RankedLists) -> float:
        return self.parity_difference(lists)

    def _rerank(self, queues, candidates: RankedLists, k: int) -> RankedLists:
        groups = self.group_codes_[candidates.users]
        targets = self._prefix_targets(candidates.top(k), groups, float(self.lam))
        n_groups, n_vals = targets.shape[1:]
        cur = queues.cursor()
        rows = cur.rows
        out = np.empty((candidates.n_users, k), dtype=np.int64)
        filled = np.zeros((n_groups, n_vals))
        for t in range(k):
            obj = np.where(cur.alive, cur.best, -np.inf)
            # the best head; ties go to the higher-ranked candidate, as in the model's list
            top_obj = obj.max(axis=1, keepdims=True)
            pick = np.argmin(np.where(obj == top_obj, cur.cols, cur.depth + 1), axis=1)
            taking = cur.alive[rows, pick]
            tally = filled + _tally(groups[taking], pick[taking], n_groups, n_vals)
            need = np.rint(targets[t] - tally)
            for v in np.argsort(-np.clip(need, 0, None).sum(axis=0)):
                want = need[:, v] > 0
                if not want.any():
                    continue
                ok = taking & want[groups] & cur.alive[:, v] & (need[groups, pick] < 0)
                idx = np.flatnonzero(ok)
                if not len(idx):
                    continue
                cost = obj[idx, pick[idx]] - cur.best[idx, v]
                order = idx[np.lexsort((cost, groups[idx]))]
                g = groups[order]
                first = np.searchsorted(g, np.arange(n_groups))
                rank = np.arange(len(order)) - first[g]
                move = order[rank < need[g, v]]
                np.subtract.at(need[:, v], groups[move], 1)
                np.add.at(need, (groups[move], pick[move]), 1)
                pick[move] = v
            out[:, t] = cur.take(pick)
            filled += _tally(groups[taking], pick[taking], n_groups, n_vals)
        return gather(candidates, out)

    def _prefix_targets(self, top: RankedLists, groups: np.ndarray, lam: float) -> np.ndarray:
        """``[k, G, V]``: per prefix of ``t + 1`` positions, each group's target number of slots
        per value: its count in the model's top-``t + 1`` moved ``lam`` of the way toward the
        overall share of that prefix times the group's slots."""
        n_cls = self.classes_.n_classes
        n_groups = len(self.groups_)
        valid = top.items != PAD_ITEM
        codes = np.where(valid, self.classes_.codes[np.where(valid, top.items, 0)], n_cls)
        per_position = np.stack([
            _tally(groups, codes[:, t], n_groups, n_cls + 1)[:, :n_cls]
            for t in range(top.depth)
        ]) if top.depth else np.zeros((0, n_groups, n_cls))
        model = np.cumsum(per_position, axis=0)  # [k, G, V] the model's own prefix counts
        slots = model.sum(axis=2, keepdims=True)  # [k, G, 1]
        total = model.sum(axis=1, keepdims=True)  # [k, 1, V]
        with np.errstate(invalid="ignore", divide="ignore"):
            overall = np.nan_to_num(total / total.sum(axis=2, keepdims=True))
        return model + lam * (overall * slots - model)


def _tally(groups: np.ndarray, values: np.ndarray, n_groups: int, n_vals: int) -> np.ndarray:
    return (
        np.bincount(groups * n_vals + values, minlength=n_groups * n_vals)
        .reshape(n_groups, n_vals)
        .astype(np.float64)
    )
