"""Recommendation metrics (per user, vectorised)."""

from fairrec_core.metrics._hits import hit_matrix, n_relevant, ndcg

__all__ = ["hit_matrix", "n_relevant", "ndcg"]
