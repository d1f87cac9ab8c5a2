"""The noise of a private release, calibrated and accounted by OpenDP.

Every released statistic is a vector with one entry per group of one attribute (a count, or a
sum of clipped values). A user belongs to exactly one group of an attribute, so adding or
removing one user changes one entry by at most the statistic's sensitivity: the L1 and the L2
sensitivity of the vector are both that number (parallel composition over disjoint groups).

- ``"laplace"`` (pure ε-DP, the default): ``opendp.measurements.make_laplace`` on a vector of
  floats with the L1 distance; a query given ε_q has scale = sensitivity / ε_q, and the ε_q of
  the queries add up (sequential composition).
- ``"gaussian"`` (with δ > 0): ``make_gaussian`` with the L2 distance, accounted in zero-
  concentrated DP: a query given ρ_q has scale = sensitivity / sqrt(2 ρ_q), the ρ_q add up, and
  the total ρ is converted to (ε, δ) by ``make_zCDP_to_approxDP`` + ``make_fix_delta``. The
  total ρ is the largest that meets the asked (ε, δ) (OpenDP's binary search).

Noise is drawn by OpenDP's own sampler (exact, from the operating system's randomness) unless a
``seed`` is given: then numpy's seeded generator draws Laplace / normal noise at the same
OpenDP-calibrated scale, so that a release can be repeated exactly (tests, simulations, the
app's repeatable view). A seeded release's noise can be recomputed by anyone holding the seed:
publish only unseeded releases, or keep the seed secret.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from fairrec_core.privacy._errors import PrivacyError

Mechanism = Literal["laplace", "gaussian"]


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


@lru_cache(maxsize=2)
def _space(dp, mechanism: Mechanism):
    """The input domain (float vectors) and distance (L1 or L2) of a mechanism (built once)."""
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    metric = dp.l1_distance(T=float) if mechanism == "laplace" else dp.l2_distance(T=float)
    return domain, metric


def _measurement(mechanism: Mechanism, scale: float, space=None):
    dp = _dp()
    make = dp.m.make_laplace if mechanism == "laplace" else dp.m.make_gaussian
    return make(*(space or _space(dp, mechanism)), scale=float(scale))


@dataclass(frozen=True)
class Query:
    """One released vector: ``grouping`` (attribute), ``statistic`` ("count", "sum:ndcg",
    "sumsq:ndcg"), the ``share`` of the budget, its ``sensitivity``, the noise ``scale`` and the
    privacy loss OpenDP's map gives for that sensitivity: ``epsilon`` (Laplace) or ``rho``
    (Gaussian, zCDP)."""

    grouping: str
    statistic: str
    share: float
    sensitivity: float
    scale: float
    loss: float

    def to_dict(self, mechanism: Mechanism) -> dict:
        key = "epsilon" if mechanism == "laplace" else "rho"
        return {"grouping": self.grouping, "statistic": self.statistic, "share": self.share,
                "sensitivity": self.sensitivity, "scale": self.scale, key: self.loss}


@dataclass(frozen=True)
class Accounting:
    """The calibrated queries of one release and what they spend: ``epsilon`` and ``delta``
    (the total; δ = 0 for Laplace) and, for the Gaussian mechanism, the total ``rho``."""

    mechanism: Mechanism
    queries: tuple[Query, ...]
    epsilon: float
    delta: float
    rho: float | None

    def query(self, grouping: str, statistic: str) -> Query:
        for q in self.queries:
            if q.grouping == grouping and q.statistic == statistic:
                return q
        raise KeyError((grouping, statistic))

    def noise_std(self, q: Query) -> float:
        """The standard deviation of ``q``'s noise: sqrt(2)·scale (Laplace), the scale
        (Gaussian)."""
        return q.scale * (np.sqrt(2.0) if self.mechanism == "laplace" else 1.0)


@lru_cache(maxsize=64)
def total_rho(epsilon: float, delta: float) -> float:
    """The largest zCDP ρ whose (ε, δ) conversion (OpenDP) is within ``epsilon`` at ``delta``
    (a binary search; remembered per (ε, δ))."""
    dp = _dp()
    domain, metric = _space(dp, "gaussian")

    def approx(scale):
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(
            dp.m.make_gaussian(domain, metric, scale=scale)), delta)

    scale = dp.binary_search_param(approx, d_in=1.0, d_out=(float(epsilon), float(delta)))
    return float(dp.m.make_gaussian(domain, metric, scale=scale).map(1.0))


def approx_epsilon(rho: float, delta: float) -> float:
    """ε at ``delta`` of a total zCDP ``rho`` (OpenDP's conversion, via a unit-sensitivity
    Gaussian with that ρ)."""
    dp = _dp()
    domain, metric = _space(dp, "gaussian")
    scale = 1.0 / np.sqrt(2.0 * rho)
    meas = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(
        dp.m.make_gaussian(domain, metric, scale=float(scale))), float(delta))
    return float(meas.map(1.0)[0])


def calibrate(parts, *, epsilon: float, delta: float = 0.0) -> Accounting:
    """Scales for ``parts`` — ``(grouping, statistic, share, sensitivity)`` with shares summing
    to 1 — under a total budget ``epsilon`` (and ``delta``: 0 = Laplace, pure DP; > 0 =
    Gaussian, zCDP converted to (ε, δ)). Each query's loss is OpenDP's privacy map of its
    measurement at its sensitivity; the totals are their sums."""
    epsilon, delta = float(epsilon), float(delta)
    if not np.isfinite(epsilon) or epsilon <= 0:
        raise PrivacyError(f"private release: epsilon must be a positive number, got {epsilon}")
    if not 0 <= delta < 1:
        raise PrivacyError(f"private release: delta must be in [0, 1), got {delta}")
    parts = list(parts)
    shares = np.array([p[2] for p in parts], dtype=np.float64)
    if not parts or abs(shares.sum() - 1.0) > 1e-9:
        raise PrivacyError("private release: the budget shares must sum to 1")
    mechanism: Mechanism = "laplace" if delta == 0 else "gaussian"
    rho_total = total_rho(float(epsilon), float(delta)) if mechanism == "gaussian" else None
    queries = []
    space = _space(_dp(), mechanism)
    for grouping, statistic, share, sensitivity in parts:
        if mechanism == "laplace":
            scale = sensitivity / (epsilon * share)
        else:
            scale = sensitivity / np.sqrt(2.0 * rho_total * share)
        loss = float(_measurement(mechanism, scale, space).map(float(sensitivity)))
        queries.append(Query(grouping, statistic, float(share), float(sensitivity),
                             float(scale), loss))
    spent = math.fsum(q.loss for q in queries)
    if mechanism == "laplace":
        return Accounting(mechanism, tuple(queries), spent, 0.0, None)
    return Accounting(mechanism, tuple(queries), approx_epsilon(spent, delta), delta, spent)


def add_noise(values: np.ndarray, q: Query, mechanism: Mechanism,
              rng: np.random.Generator | None) -> np.ndarray:
    """``values`` (one entry per group) plus noise at ``q.scale``: OpenDP's sampler without
    ``rng``, numpy's seeded one with it."""
    values = np.asarray(values, dtype=np.float64)
    if rng is not None:
        if mechanism == "laplace":
            return values + rng.laplace(0.0, q.scale, size=values.shape)
        return values + rng.normal(0.0, q.scale, size=values.shape)
    meas = _measurement(mechanism, q.scale)
    return np.asarray(meas([float(v) for v in values]), dtype=np.float64)
