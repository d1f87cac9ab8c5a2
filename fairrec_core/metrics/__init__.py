"""Recommendation metrics, vectorised over users (and items for exposure).

Accuracy metrics take the hit matrix and each user's number of test items and give NaN for users
without test items; beyond-accuracy metrics take item indices (``-1`` pads) and item features.
"""

from fairrec_core.metrics._calibration import (
    CALIBRATION_ALPHA,
    CALIBRATION_COLUMNS,
    calibration_attribute,
    calibration_kl,
    category_combos,
    category_matrix,
    history_distribution,
    list_distribution,
)
from fairrec_core.metrics._divergence import js_divergence
from fairrec_core.metrics._diversity import intra_list_diversity
from fairrec_core.metrics._exposure import coverage, gini, item_exposure, lorenz_curve
from fairrec_core.metrics._hits import (
    hit_matrix,
    lookup_hits,
    n_relevant,
    ndcg,
    relevance_bitset,
    relevance_keys,
)
from fairrec_core.metrics._popularity import (
    HEAD_SHARE,
    POPULARITY_BANDS,
    TAIL_SHARE,
    average_popularity,
    head_items,
    long_tail_share,
    novelty,
    popularity_bands,
)
from fairrec_core.metrics._precision import hit_rate, precision, recall
from fairrec_core.metrics._rank import average_precision, reciprocal_rank
from fairrec_core.metrics._weighting import position_discount

__all__ = [
    "CALIBRATION_ALPHA",
    "CALIBRATION_COLUMNS",
    "HEAD_SHARE",
    "POPULARITY_BANDS",
    "TAIL_SHARE",
    "average_popularity",
    "average_precision",
    "calibration_attribute",
    "calibration_kl",
    "category_combos",
    "category_matrix",
    "coverage",
    "gini",
    "head_items",
    "history_distribution",
    "hit_matrix",
    "hit_rate",
    "intra_list_diversity",
    "item_exposure",
    "js_divergence",
    "list_distribution",
    "long_tail_share",
    "lookup_hits",
    "lorenz_curve",
    "n_relevant",
    "ndcg",
    "novelty",
    "popularity_bands",
    "position_discount",
    "precision",
    "recall",
    "relevance_bitset",
    "reciprocal_rank",
    "relevance_keys",
]
