"""Re-rankers that post-process each user's top-N candidates into a new top-k, trading some
accuracy for calibration, diversity, long-tail exposure or group fairness; and the trade-off
sweep over a re-ranker's strength."""

from fairrec_core.reranking._base import Reranker
from fairrec_core.reranking._calibrated import CalibratedReranker
from fairrec_core.reranking._chain import RerankChain
from fairrec_core.reranking._fair import (
    FAIRReranker,
    adjusted_table,
    fail_probability,
    minimum_protected,
)
from fairrec_core.reranking._features import (
    POPULARITY_BAND,
    POPULARITY_BANDS,
    item_attribute_names,
    popularity_bands,
)
from fairrec_core.reranking._mmr import MMRReranker
from fairrec_core.reranking._params import ParamSpec
from fairrec_core.reranking._parity import GroupParityReranker
from fairrec_core.reranking._parse import SPEC_HELP
from fairrec_core.reranking._parse import parse_rerank as _parse
from fairrec_core.reranking._popularity import PopularityXQuADReranker
from fairrec_core.reranking._sweep import GRID_POINTS, pareto_front, sweep
from fairrec_core.reranking._ugf import UserGroupGapReranker

#: The menu of re-rankers, by command-line name.
RERANKERS: dict[str, type[Reranker]] = {
    "calibrated": CalibratedReranker,
    "mmr": MMRReranker,
    "popularity": PopularityXQuADReranker,
    "fair": FAIRReranker,
    "parity": GroupParityReranker,
    "ugf": UserGroupGapReranker,
}


def parse_rerank(spec: str) -> Reranker:
    """An unfitted re-ranker from ``NAME:key=value,...`` (see ``SPEC_HELP``); a bad spec raises
    :class:`~fairrec_core.errors.DataError` with a one-line message."""
    return _parse(spec, RERANKERS)


__all__ = [
    "GRID_POINTS",
    "POPULARITY_BAND",
    "POPULARITY_BANDS",
    "RERANKERS",
    "SPEC_HELP",
    "CalibratedReranker",
    "FAIRReranker",
    "GroupParityReranker",
    "MMRReranker",
    "ParamSpec",
    "PopularityXQuADReranker",
    "RerankChain",
    "Reranker",
    "UserGroupGapReranker",
    "adjusted_table",
    "fail_probability",
    "item_attribute_names",
    "minimum_protected",
    "pareto_front",
    "parse_rerank",
    "popularity_bands",
    "sweep",
]
