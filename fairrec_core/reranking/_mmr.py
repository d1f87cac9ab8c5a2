"""Maximal marginal relevance (Carbonell & Goldstein 1998)."""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import RankedLists
from fairrec_core.reranking._base import Reranker, gather, relevance
from fairrec_core.reranking._features import category_profiles
from fairrec_core.reranking._params import ParamSpec, strength_spec
from fairrec_core.reranking._queues import ClassQueues, greedy


class MMRReranker(Reranker):
    """Maximal marginal relevance: each next item is relevant but unlike those already listed.

    Objective (Carbonell & Goldstein, "The Use of MMR, Diversity-Based Reranking for Reordering
    Documents and Producing Summaries", SIGIR 1998), at each position::

        argmax_{i not in L}  (1 - lam) * s(u, i)  -  lam * max_{j in L} sim(i, j)

    with ``s`` the model score min-max normalised within the user's candidates and ``sim`` the
    cosine similarity of the items' category vectors (1 for the same single category). Note
    ``lam`` weighs diversity here (Carbonell & Goldstein's lambda weighs relevance), so that
    ``lam = 0`` keeps the model's ranking. Raises intra-list diversity (``ild``).
    """

    NAME = "mmr"
    PARAMS = {
        "lam": strength_spec(help="trade-off: 0 = model ranking, 1 = most diverse categories"),
        "attribute": ParamSpec(
            "attribute",
            "attribute",
            "item_attribute",
            "category",
            "item attribute that defines similarity ('|'-joined values are split)",
            fit=True,
        ),
    }
    TARGET = ("ild", "up")

    def __init__(self, lam: float = 0.5, attribute: str = "category"):
        self.lam = lam
        self.attribute = attribute

    def _fit(self, train) -> None:
        self.profiles_ = category_profiles(train, self.attribute, owner=self.NAME)
        m = self.profiles_.matrix
        unit = m / np.linalg.norm(m, axis=1, keepdims=True)
        self.similarity_ = unit @ unit.T

    def _prepare(self, candidates: RankedLists):
        prof = self.profiles_
        return ClassQueues.build(
            candidates, prof.item_profile, prof.n_profiles, relevance(candidates)
        )

    def _rerank(self, queues, candidates: RankedLists, k: int) -> RankedLists:
        bonus = _MaxSimilarity(self.similarity_, candidates.n_users)
        return gather(candidates, greedy(queues, k, float(self.lam), bonus))


class _MaxSimilarity:
    """Bonus ``-max_{j in L} sim(m, j)`` per user and profile."""

    def __init__(self, similarity: np.ndarray, n_users: int):
        self.similarity = similarity
        self.max_sim = np.zeros((n_users, similarity.shape[0]))

    def step(self, t: int) -> np.ndarray:
        return -self.max_sim

    def update(self, classes: np.ndarray, taken: np.ndarray) -> None:
        np.maximum(self.max_sim, self.similarity[classes] * taken[:, None], out=self.max_sim)
