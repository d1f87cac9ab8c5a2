"""User-group accuracy gap, after Li et al. 2021 ("User-oriented Fairness in Recommendation")."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM, RankedLists
from fairrec_core.reranking._base import Reranker, gather
from fairrec_core.reranking._features import user_group_codes
from fairrec_core.reranking._params import ParamSpec, strength_spec


class UserGroupGapReranker(Reranker):
    """Narrows the gap in *estimated* list quality between the best- and worst-served user groups.

    After Li, Chen, Fu, Ge & Zhang, "User-oriented Fairness in Recommendation", WWW 2021, which
    re-ranks by the 0-1 program ``max sum_u sum_{i in L_u} s(u, i)`` subject to
    ``|Q(G1) - Q(G2)| <= epsilon``. Here: ``s`` is the model score min-max normalised over all
    users' candidates (so it is comparable across users), a list's quality ``q_u`` is the mean
    ``s`` of its ``k`` items (estimated precision; the test data is never used), ``Q(g)`` the mean
    ``q_u`` of group ``g`` and the constraint ``max_g Q(g) - min_g Q(g) <= epsilon`` covers all
    groups of ``user_attr``. The budget is ``epsilon`` when given, otherwise
    ``(1 - lam)`` times the model's gap.

    The accuracy to keep is the estimated DCG ``sum_r s(u, i_r) / log2(r + 1)``. Re-ranking cannot
    raise the worst group's estimate (its lists already hold its best candidates), so groups above
    the budget are brought down to ``min_g Q(g) + epsilon``. Lowering ``q_u`` by replacing the item
    at rank ``r`` costs ``k / log2(r + 1)`` estimated DCG per unit of quality whatever the
    replacement, so the Lagrangian solution replaces the lowest ranks first; this greedy does so
    tier by tier (rank k, then k - 1, ...), within a tier taking the users whose swap lowers the
    most first (the fewest lists change), each swap bringing in the user's lowest-scored unused
    candidate. No solver is needed. ``lam = 0`` (and no ``epsilon``) keeps the model's ranking.
    """

    NAME = "ugf"
    PARAMS = {
        "user_attr": ParamSpec(
            "user_attr",
            "user_attr",
            "user_attribute",
            "gender",
            "user attribute whose groups' estimated list quality should be close",
            fit=True,
        ),
        "lam": strength_spec(
            help="share of the estimated quality gap to close (0 = model ranking)"
        ),
        "epsilon": ParamSpec(
            "epsilon",
            "epsilon",
            "float",
            None,
            "gap budget in estimated quality (overrides lambda; none = use lambda)",
            low=0.0,
            high=1.0,
            step=0.005,
            optional=True,
        ),
    }
    TARGET = ("estimated_gap", "down")

    def __init__(self, user_attr: str = "gender", lam: float = 0.5, epsilon: float | None = None):
        self.user_attr = user_attr
        self.lam = lam
        self.epsilon = epsilon

    def _is_identity(self) -> bool:
        return self.epsilon is None and self.lam == 0

    def _fit(self, train) -> None:
        self.groups_, self.group_codes_ = user_group_codes(train, self.user_attr, owner=self.NAME)

    def _prepare(self, candidates: RankedLists):
        scores = candidates.scores.astype(np.float64)
        valid = (candidates.items != PAD_ITEM) & np.isfinite(scores)
        if not valid.any():
            return np.zeros(scores.shape), valid
        lo, hi = scores[valid].min(), scores[valid].max()
        est = np.where(valid, (scores - lo) / (hi - lo) if hi > lo else 1.0, 0.0)
        return est, valid

    def estimated_quality(self, lists: RankedLists, candidates: RankedLists) -> np.ndarray:
        """Per user, the mean normalised score of the list's ``k`` slots (padding counts 0), with
        scores normalised over ``candidates`` as in ``rerank``."""
        est, _ = self._prepared_for(candidates)
        pos = _positions(lists, candidates)
        ext = np.concatenate([est, np.zeros((len(est), 1))], axis=1)
        return np.take_along_axis(ext, pos, axis=1).sum(axis=1) / lists.depth

    def estimated_gap(self, lists: RankedLists, candidates: RankedLists) -> float:
        """Max - min over groups of the mean estimated quality (users with candidates only)."""
        q = self.estimated_quality(lists, candidates)
        means = self._group_means(q, candidates)
        means = means[np.isfinite(means)]
        return float(means.max() - means.min()) if len(means) else 0.0

    def target_value(self, lists: RankedLists, candidates: RankedLists) -> float:
        return self.estimated_gap(lists, candidates)

    def _group_means(self, q, candidates):
        _, valid = self._prepared_for(candidates)
        has = valid.any(axis=1)
        codes = self.group_codes_[candidates.users][has]
        n_g = np.bincount(codes, minlength=len(self.groups_))
        with np.errstate(invalid="ignore"):
            return np.bincount(codes, weights=q[has], minlength=len(self.groups_)) / np.where(
                n_g > 0, n_g, np.nan
            )

    def _rerank(self, prepared, candidates: RankedLists, k: int) -> RankedLists:
        est, valid = prepared
        n = candidates.n_users
        cols = np.broadcast_to(np.arange(k), (n, k)).copy()
        lengths = valid.sum(axis=1)
        cols[cols >= lengths[:, None]] = candidates.depth  # padding
        q = np.where(cols < candidates.depth, est[:, :k], 0.0).sum(axis=1) / k
        has = lengths > 0
        codes = self.group_codes_[candidates.users]
        n_groups = len(self.groups_)
        means = self._group_means(q, candidates)
        present = np.isfinite(means)
        if present.sum() < 2:
            return gather(candidates, cols)
        worst = means[present].min()
        gap = means[present].max() - worst
        budget = self.epsilon if self.epsilon is not None else (1.0 - self.lam) * gap
        n_g = np.bincount(codes[has], minlength=n_groups)
        need = np.where(present, np.maximum(means - (worst + budget), 0.0) * n_g, 0.0)
        active = has.copy()
        rows = np.arange(n)
        for j in range(k):
            if not (need > 1e-12).any():
                break
            pos = k - 1 - j  # the rank replaced in this tier
            low = lengths - 1 - j  # the user's j-th lowest candidate
            ok = active & (pos < lengths) & (low >= k)
            drop = np.where(
                ok,
                (
                    est[rows, np.minimum(pos, candidates.depth - 1)]
                    - est[rows, np.clip(low, 0, None)]
                )
                / k,
                0.0,
            )
            ok &= drop > 0
            # within each group, the largest drops first until the group's need is met
            order = np.lexsort((-drop, codes))
            order = order[ok[order]]
            g = codes[order]
            csum = np.cumsum(drop[order])
            first = np.searchsorted(g, np.arange(n_groups))
            before = csum - drop[order] - np.where(first[g] > 0, csum[first[g] - 1], 0.0)
            take = order[before < need[g] - 1e-12]
            cols[take, pos] = low[take]
            np.subtract.at(need, codes[take], drop[take])
            active = np.zeros(n, dtype=bool)
            active[take] = True
        return gather(candidates, cols)


def _positions(lists: RankedLists, candidates: RankedLists) -> np.ndarray:
    """Column of each listed item within the same user's candidates (``depth`` if absent)."""
    if not np.array_equal(lists.users, candidates.users):
        raise ValueError("lists and candidates must list the same users in the same order")
    depth = candidates.depth
    n_items = int(max(candidates.items.max(), lists.items.max())) + 2
    keys = np.arange(candidates.n_users)[:, None] * n_items + (candidates.items + 1)
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    query = np.arange(lists.n_users)[:, None] * n_items + (lists.items + 1)
    idx = np.searchsorted(flat[order], query)
    idx = np.minimum(idx, len(flat) - 1)
    found = (flat[order][idx] == query) & (lists.items != PAD_ITEM)
    return np.where(found, order[idx] % depth, depth)
