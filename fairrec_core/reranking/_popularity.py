"""Popularity-aware xQuAD (Abdollahpouri, Burke & Mobasher 2019)."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import RankedLists
from fairrec_core.reranking._base import Reranker, gather, relevance
from fairrec_core.reranking._features import popularity_bands
from fairrec_core.reranking._params import strength_spec
from fairrec_core.reranking._queues import ClassQueues, greedy


class PopularityXQuADReranker(Reranker):
    """Personalised long-tail diversification: short-head and long-tail items are the two
    "aspects" of xQuAD, weighted by how much of each the user consumed.

    Objective (Abdollahpouri, Burke & Mobasher, "Managing Popularity Bias in Recommender Systems
    with Personalized Re-ranking", FLAIRS 2019, smooth xQuAD), at each position::

        argmax_{v not in S}  (1 - lam) * s(u, v)
                             + lam * sum_{d in {head, tail}} P(d|u) 1[v in d] prod_{i in S} (1 - P(i|d, S))

    with ``s`` the model score min-max normalised within the user's candidates, ``P(d|u)`` the
    share of the user's training interactions on head / tail items (the overall share for a user
    without history) and ``P(i|d, S)`` the share of ``S`` in ``d`` (so the product is
    ``(1 - share_d(S)) ** |S|``). The head is the most popular items that together hold 20% of
    training interactions, everything else is the long tail (as for ``aplt``). Raises the
    long-tail share (``aplt``) and lowers the item exposure Gini.
    """

    NAME = "popularity"
    PARAMS = {
        "lam": strength_spec(help="trade-off: 0 = model ranking, 1 = most long-tail coverage"),
    }
    TARGET = ("aplt", "up")

    def __init__(self, lam: float = 0.5):
        self.lam = lam

    def _fit(self, train) -> None:
        self.is_tail_ = (popularity_bands(train.item_counts) != 0).astype(np.int64)
        inter = train.interactions
        users = inter["user"].to_numpy(np.int64)
        tail = self.is_tail_[inter["item"].to_numpy(np.int64)]
        n_tail = np.bincount(users, weights=tail, minlength=train.n_users)
        n_all = np.bincount(users, minlength=train.n_users)
        overall = tail.mean() if len(tail) else 0.5
        share = np.where(n_all > 0, n_tail / np.maximum(n_all, 1), overall)
        self.aspect_weight_ = np.stack([1.0 - share, share], axis=1)  # P(head|u), P(tail|u)

    def _prepare(self, candidates: RankedLists):
        return ClassQueues.build(candidates, self.is_tail_, 2, relevance(candidates))

    def _rerank(self, queues, candidates: RankedLists, k: int) -> RankedLists:
        bonus = _AspectCoverage(self.aspect_weight_[candidates.users])
        return gather(candidates, greedy(queues, k, float(self.lam), bonus))


class _AspectCoverage:
    """Smooth xQuAD bonus per user and aspect: ``P(d|u) (1 - share_d(S)) ** |S|``."""

    def __init__(self, weight: np.ndarray):
        self.weight = weight
        self.count = np.zeros_like(weight)
        self.size = np.zeros((len(weight), 1))

    def step(self, t: int) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(self.size > 0, self.count / self.size, 0.0)
        return self.weight * (1.0 - share) ** self.size

    def update(self, classes: np.ndarray, taken: np.ndarray) -> None:
        self.count[np.arange(len(classes)), classes] += taken
        self.size[:, 0] += taken
