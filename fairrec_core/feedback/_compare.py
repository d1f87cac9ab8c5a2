"""Comparisons on the same seeds: how much an intervention (a re-ranker chain, a fairness
setting, another model) changes a metric's drift, and how much faster one group drifts than
another. Both pair the drifts seed by seed and give the mean difference a Student-t interval
over seeds."""

from __future__ import annotations

import math

import pandas as pd

from fairrec_core.errors import DataError
from fairrec_core.feedback._result import LEVEL, t_interval


def _paired(a: pd.Series, b: pd.Series, level: float) -> dict:
    common = a.index.intersection(b.index)
    if not len(common):
        raise DataError("feedback comparison: the two runs share no seed")
    diff = b[common] - a[common]
    mean, lo, hi, n = t_interval(diff, level)
    return {"difference": mean, "lo": lo, "hi": hi, "n_seeds": n,
            "first": float(a[common].mean()), "second": float(b[common].mean()),
            "per_seed": {int(s): float(v) for s, v in diff.items()}}


def drift_difference(plain, other, metric: str, attribute: str = "all", group: str = "all", *,
                     how: str = "slope", level: float = LEVEL) -> dict:
    """``other``'s drift minus ``plain``'s (two :class:`FeedbackResult` on the same seeds) for
    one metric of one group: ``difference, lo, hi`` (paired t interval over seeds),
    ``first``/``second`` (the two mean drifts), ``relative`` = difference / |plain drift|
    (``relative_lo``/``_hi``: the interval's bounds over the same |plain drift|, which is held
    fixed) and ``per_seed``. -0.4 relative: the intervention cuts the drift by 40%."""
    out = _paired(plain.drift(metric, attribute, group, how=how),
                  other.drift(metric, attribute, group, how=how), level)
    scale = abs(out["first"])
    for key, src in (("relative", "difference"), ("relative_lo", "lo"), ("relative_hi", "hi")):
        out[key] = out[src] / scale if scale > 0 else math.nan
    return {"metric": metric, "attribute": attribute, "group": group, "how": how,
            "first_arm": plain.arm, "second_arm": other.arm, **out}


def group_drift_gap(result, metric: str, attribute: str, first: str, second: str, *,
                    how: str = "slope", level: float = LEVEL) -> dict:
    """Within one run: group ``second``'s drift minus group ``first``'s (e.g. gender F minus
    M: do women's lists drift faster?), paired by seed, with a t interval over seeds."""
    out = _paired(result.drift(metric, attribute, first, how=how),
                  result.drift(metric, attribute, second, how=how), level)
    return {"metric": metric, "attribute": attribute, "first_group": first,
            "second_group": second, "how": how, "arm": result.arm, **out}
