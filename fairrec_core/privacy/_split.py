"""How one budget is split over the statistics of a private release.

Sequential composition across attributes (an intersection counts as one) and across statistics;
parallel composition across the disjoint groups of one attribute (a user is in one group, so a
vector of per-group statistics costs what one entry costs). The split:

- every attribute (and intersection) released gets an equal share, 1 / n_attributes;
- within one: 1/4 to the count of users with held-out items per group, 1/2 to the sums of the
  clipped metric values (split evenly over the metrics), 1/4 to the sums of their squares (for
  the spread that the intervals' sampling part needs), also split evenly.

The count serves every metric (all are defined for exactly the users with held-out items).
"""

from __future__ import annotations

from fairrec_core.privacy._bounds import METRIC_BOUNDS, width

#: Within one attribute: the share of the count, of all sums, of all sums of squares.
COUNT_SHARE, SUM_SHARE, SUMSQ_SHARE = 0.25, 0.5, 0.25


def sumsq_width(metric: str) -> float:
    """The most one user changes a sum of squared clipped values."""
    lo, hi = METRIC_BOUNDS[metric]
    top = max(lo * lo, hi * hi)
    bottom = 0.0 if lo <= 0 <= hi else min(lo * lo, hi * hi)
    return top - bottom


def budget_parts(groupings, metrics) -> list[tuple[str, str, float, float]]:
    """``(grouping, statistic, share, sensitivity)`` for every released statistic."""
    per = 1.0 / len(groupings)
    m = len(metrics)
    parts = []
    for g in groupings:
        parts.append((g, "count", per * COUNT_SHARE, 1.0))
        parts += [(g, f"sum:{name}", per * SUM_SHARE / m, width(name)) for name in metrics]
        parts += [(g, f"sumsq:{name}", per * SUMSQ_SHARE / m, sumsq_width(name))
                  for name in metrics]
    return parts
