"""Re-rankers that post-process each user's top-N candidates into a new top-k, trading some
accuracy for calibration, diversity, long-tail exposure or group fairness; and the trade-off
sweep over a re-ranker's strength."""

from fairrec_core.reranking._base import ParamSpec, Reranker
from fairrec_core.reranking._calibrated import CalibratedReranker
from fairrec_core.reranking._chain import RerankChain
from fairrec_core.reranking._features import POPULARITY_BAND, popularity_bands
from fairrec_core.reranking._mmr import MMRReranker
from fairrec_core.reranking._parse import SPEC_HELP
from fairrec_core.reranking._parse import parse_rerank as _parse

#: The menu of re-rankers, by command-line name.
RERANKERS: dict[str, type[Reranker]] = {
    "calibrated": CalibratedReranker,
    "mmr": MMRReranker,
}


def parse_rerank(spec: str) -> Reranker:
    """An unfitted re-ranker from ``NAME:key=value,...`` (see ``SPEC_HELP``); a bad spec raises
    :class:`~fairrec_core.errors.DataError` with a one-line message."""
    return _parse(spec, RERANKERS)


__all__ = [
    "POPULARITY_BAND",
    "RERANKERS",
    "SPEC_HELP",
    "CalibratedReranker",
    "MMRReranker",
    "ParamSpec",
    "RerankChain",
    "Reranker",
    "parse_rerank",
    "popularity_bands",
]
