"""Calibrated recommendations (Steck 2018)."""

from __future__ import annotations

from fairrec_core.errors import DataError
from fairrec_core.metrics import calibration_attribute
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking._base import Reranker, gather, relevance
from fairrec_core.reranking._features import category_profiles, history_distribution
from fairrec_core.reranking._kl import KLBonus
from fairrec_core.reranking._params import ParamSpec, strength_spec
from fairrec_core.reranking._queues import ClassQueues, greedy


class CalibratedReranker(Reranker):
    """Calibrated re-ranking: each list's category mix moves toward the user's history.

    Objective (Steck, "Calibrated Recommendations", RecSys 2018, eq. 5), maximised greedily
    position by position::

        (1 - lam) * sum_{i in L} s(u, i)  -  lam * KL(p_u || (1 - a) q_L + a p_u)

    where ``s`` is the model score min-max normalised within the user's candidates, ``p_u`` the
    category distribution of the user's training history, ``q_L`` that of the list (an item with
    several categories spreads its weight evenly; uniform weights over items and positions) and
    ``a = 0.01``. By default the categories are those the audit's ``calibration_kl`` measures
    (``categories`` where the data has them, else ``category``), so the re-ranker lowers the
    audited figure. ``lam = 0`` keeps the model's ranking; users without history are left as they
    are. The greedy algorithm is Steck's (the objective is submodular).
    """

    NAME = "calibrated"
    PARAMS = {
        "lam": strength_spec(
            help="trade-off: 0 = model ranking, 1 = closest to the user's category mix"
        ),
        "attribute": ParamSpec(
            "attribute",
            "attribute",
            "item_attribute",
            None,
            "item attribute whose distribution is calibrated ('|'-joined values are split "
            "evenly); none = the one the audit's calibration_kl measures: 'categories' where "
            "the data has them, else 'category'",
            optional=True,
            fit=True,
        ),
    }
    TARGET = ("calibration_kl", "down")

    def __init__(self, lam: float = 0.5, attribute: str | None = None):
        self.lam = lam
        self.attribute = attribute

    def _fit(self, train) -> None:
        attribute = self.attribute or calibration_attribute(train.items)
        if attribute is None:
            raise DataError(f"{self.NAME}: the items have no 'categories' or 'category' column; "
                            "name the item attribute to calibrate (attribute=...)")
        self.attribute_ = attribute
        self.profiles_ = category_profiles(train, attribute, owner=self.NAME)
        self.history_ = history_distribution(train, self.profiles_)

    def _prepare(self, candidates: RankedLists):
        prof = self.profiles_
        return ClassQueues.build(
            candidates, prof.item_profile, prof.n_profiles, relevance(candidates)
        )

    def _rerank(self, queues, candidates: RankedLists, k: int) -> RankedLists:
        target = self.history_[candidates.users]
        bonus = KLBonus(target, self.profiles_.matrix)
        return gather(candidates, greedy(queues, k, float(self.lam), bonus))
