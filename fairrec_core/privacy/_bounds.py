"""The bounds that per-user metrics are clipped to before a private release.

Each user's contribution to a group sum is bounded by the width of its metric's range, which is
what the noise is calibrated to. Only metrics with a documented finite range are released: the
accuracy metrics (:mod:`fairrec_core.metrics._precision`, ``_hits``, ``_rank``), all in [0, 1]
and all defined exactly for the users with held-out items, so one count of such users per group
serves every one of them. Novelty, average popularity and calibration KL have no finite upper
bound, ILD and the long-tail share are defined for other users: they are not released under DP.
"""

from __future__ import annotations

import numpy as np

from fairrec_core.privacy._errors import PrivacyError

#: Metric -> (lower, upper): the range every user's value is clipped to.
METRIC_BOUNDS = {
    "precision": (0.0, 1.0),
    "recall": (0.0, 1.0),
    "ndcg": (0.0, 1.0),
    "hit_rate": (0.0, 1.0),
    "mrr": (0.0, 1.0),
    "map": (0.0, 1.0),
}
#: Metrics released when none are named.
DEFAULT_PRIVATE_METRICS = ("ndcg", "recall", "precision", "hit_rate")


def check_metrics(metrics) -> tuple[str, ...]:
    """The metric names without ``@k``, each with bounds; unknown or unbounded ones refused."""
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    names = tuple(dict.fromkeys(str(m).partition("@")[0].strip().lower() for m in metrics))
    if not names:
        raise PrivacyError("private release: name at least one metric")
    for name in names:
        if name not in METRIC_BOUNDS:
            raise PrivacyError(
                f"private release: {name!r} has no bounded range to clip to; releasable: "
                f"{', '.join(METRIC_BOUNDS)}")
    return names


def clip(values: np.ndarray, metric: str) -> np.ndarray:
    """``values`` clipped to the metric's bounds (NaN stays NaN)."""
    lo, hi = METRIC_BOUNDS[metric]
    return np.clip(values, lo, hi)


def width(metric: str) -> float:
    """The most one user can change the metric's group sum: upper - lower bound."""
    lo, hi = METRIC_BOUNDS[metric]
    return hi - lo
