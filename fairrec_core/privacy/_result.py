"""What a private release holds (:class:`PrivateRelease`) and its ``metrics.json`` form."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.privacy._split import COUNT_SHARE, SUM_SHARE, SUMSQ_SHARE

#: The top-level note of a private ``metrics.json``.
PRIVATE_NOTE = ("every number in this file is differentially private: computed only from the "
                "noisy counts and sums listed under privacy.queries (post-processing); no "
                "non-private figure, per-user value or exact group size is included")


def _num(x):
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _label(x):
    return x if isinstance(x, str) else None


@dataclass(frozen=True, eq=False)
class PrivateRelease:
    """A differentially private release of group means (see :func:`private_release`).

    - ``groups``: ``attribute, group, metric, n_noisy`` (noisy count of users with held-out
      items), ``suppressed`` (noisy count below the attribute's ``thresholds`` entry: nothing
      shown), ``compared`` (shown and informative: takes part in gaps), ``sum_noisy, sumsq_noisy`` (the released
      sums), ``mean`` (noisy sum / noisy count, clipped to the metric's bounds), ``ci_lo, ci_hi``
      (parametric-bootstrap interval at ``level`` covering sampling and noise).
    - ``gaps``: per attribute and metric over the compared groups: ``difference`` (max - min
      private mean), its interval ``ci_lo, ci_hi`` (for the headline pair, not adjusted for
      having picked it), ``ratio`` (min / max), ``flag`` (ratio below four-fifths),
      ``max_group, min_group, n_groups`` and ``p_value`` (parametric bootstrap of max - min
      under equal means).
    - ``overall``: ``metric, n_noisy, mean, ci_lo, ci_hi`` from the first attribute's sums.
    - ``accounting``: the mechanism, every query's share, sensitivity, scale and loss, and the
      total ε (and δ, ρ).
    """

    k: int
    metrics: tuple[str, ...]
    accounting: object
    groups: pd.DataFrame
    gaps: pd.DataFrame
    overall: pd.DataFrame
    thresholds: dict
    level: float
    n_simulations: int
    seeded: bool
    attributes: tuple[str, ...]

    @property
    def epsilon(self) -> float:
        return self.accounting.epsilon

    @property
    def delta(self) -> float:
        return self.accounting.delta

    def group_table(self, attribute: str, metric: str) -> pd.DataFrame:
        """``group, n_noisy, suppressed, compared, mean, ci_lo, ci_hi`` of one attribute and
        metric (``"ndcg@10"``)."""
        rows = self.groups[(self.groups["attribute"] == attribute)
                           & (self.groups["metric"] == metric)]
        return rows.drop(columns=["attribute", "metric", "sum_noisy", "sumsq_noisy"]
                         ).reset_index(drop=True)

    def gap(self, attribute: str, metric: str) -> pd.Series:
        rows = self.gaps[(self.gaps["attribute"] == attribute) & (self.gaps["metric"] == metric)]
        return rows.iloc[0]

    def privacy_dict(self) -> dict:
        """The ``privacy`` entry: mechanism, budget, its split and every query."""
        acc = self.accounting
        split = (f"equal over the {len(self.attributes)} attributes released (sequential "
                 f"composition); within one: {COUNT_SHARE:g} to the count, {SUM_SHARE:g} to the "
                 f"metric sums, {SUMSQ_SHARE:g} to the sums of squares, each split evenly over "
                 f"the {len(self.metrics)} metrics; the groups of one attribute are disjoint "
                 f"(parallel composition)")
        return {
            "mechanism": acc.mechanism,
            "accounting": ("pure DP (OpenDP make_laplace, L1 sensitivity), the queries' epsilons "
                           "add up") if acc.mechanism == "laplace" else
                          ("zCDP (OpenDP make_gaussian, L2 sensitivity), the queries' rhos add "
                           "up, converted to (epsilon, delta) by make_zCDP_to_approxDP"),
            "unit": ("one user (added or removed with their list and held-out items), the model "
                     "held fixed: its training is not covered by this release"),
            "epsilon": acc.epsilon, "delta": acc.delta, "rho": acc.rho,
            "split": split,
            "noise": "numpy, seeded (repeatable; keep the seed secret)" if self.seeded else
                     "OpenDP's sampler",
            "suppression_thresholds": dict(self.thresholds),
            "intervals": (f"parametric bootstrap (Ferrando, Wang & Sheldon 2022), "
                          f"{self.n_simulations} simulations, sampling and noise, level "
                          f"{self.level:g}"),
            "queries": [q.to_dict(acc.mechanism) for q in acc.queries],
        }

    def to_dict(self) -> dict:
        """The private ``metrics.json``: ``differentially_private: true`` first, ``note``,
        ``privacy``, ``k``, ``overall``, ``groups``, ``gaps``; NaN becomes null."""
        groups: dict = {}
        for r in self.groups.itertuples(index=False):
            g = groups.setdefault(r.attribute, {}).setdefault(
                r.group, {"suppressed": bool(r.suppressed), "n_noisy": _num(r.n_noisy)})
            if not r.suppressed:
                g[r.metric] = _num(r.mean)
                g[f"{r.metric}_ci95"] = [_num(r.ci_lo), _num(r.ci_hi)]
                g[f"{r.metric}_sum_noisy"] = _num(r.sum_noisy)
                g[f"{r.metric}_sumsq_noisy"] = _num(r.sumsq_noisy)
        gaps: dict = {}
        for r in self.gaps.itertuples(index=False):
            gaps.setdefault(r.attribute, {})[r.metric] = {
                "difference": _num(r.difference), "difference_ci95": [_num(r.ci_lo),
                                                                      _num(r.ci_hi)],
                "ratio": _num(r.ratio), "flag": bool(r.flag), "p_value": _num(r.p_value),
                "max_group": _label(r.max_group), "min_group": _label(r.min_group),
                "n_groups": int(r.n_groups),
            }
        return {
            "differentially_private": True,
            "note": PRIVATE_NOTE,
            "privacy": self.privacy_dict(),
            "k": self.k,
            "overall": {r.metric: _num(r.mean) for r in self.overall.itertuples()},
            "overall_ci95": {r.metric: [_num(r.ci_lo), _num(r.ci_hi)]
                             for r in self.overall.itertuples()},
            "n_users_noisy": _num(self.overall["n_noisy"].iloc[0]) if len(self.overall) else None,
            "groups": groups,
            "gaps": gaps,
        }
