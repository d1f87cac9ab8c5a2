"""Intervals and tests from a private release, covering both the sampling of users and the noise:
the parametric bootstrap of Ferrando, Wang & Sheldon (AISTATS 2022, "Parametric bootstrap for
differentially private confidence intervals").

From a group's released noisy count ñ, sum S̃ and sum of squares Q̃ (values clipped to [L, U]):
n̂ = max(ñ, 1), μ̂ = clip(S̃ / n̂), σ̂² = clip(Q̃ / n̂ - μ̂², 0, (U - μ̂)(μ̂ - L)). Each of
``n_simulations`` draws simulates the group's sample mean, x̄* ~ N(μ̂, σ̂² / n̂) (the sampling of
users), and fresh noise at the release's scales, and re-estimates μ̂* = (n̂ x̄* + e_S) / (n̂ + e_n);
the interval is the percentile interval of μ̂*. Everything here is post-processing of the
release: it costs no budget.

A gap's p-value is the same bootstrap under the null of equal means: every compared group at the
pooled mean Σ S̃ / Σ ñ (with its own n̂ and σ̂²), statistic max - min of the estimates. The null
and the intervals share their random draws (common random numbers), and the metrics of one
attribute share the draws of its count's noise, as the release shares the count.
"""

from __future__ import annotations

import numpy as np


def estimates(count, total, squares, lo: float, hi: float):
    """``(n̂, μ̂, σ̂²)`` per group from the noisy count, sum and sum of squares."""
    n = np.maximum(np.asarray(count, dtype=np.float64), 1.0)
    mean = np.clip(np.asarray(total, dtype=np.float64) / n, lo, hi)
    var = np.asarray(squares, dtype=np.float64) / n - mean ** 2
    var = np.clip(var, 0.0, (hi - mean) * (mean - lo))
    return n, mean, var


def simulate(n, mean, var, sample_z, sum_noise, count_noise, lo: float, hi: float):
    """``[n_simulations, n_groups]`` re-estimated means from standard normal draws ``sample_z``
    (the sampling of users) and the release's noise drawn afresh (``sum_noise``,
    ``count_noise``, each ``[n_simulations, n_groups]``)."""
    sample = mean + sample_z * np.sqrt(var / n)
    counts = np.maximum(n + count_noise, 1.0)
    return np.clip((n * sample + sum_noise) / counts, lo, hi)


def percentile(draws: np.ndarray, level: float):
    """The ``level`` percentile interval of each column."""
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def range_p_value(observed: float, null_draws: np.ndarray) -> float:
    """The parametric-bootstrap p-value of max - min of the compared groups' means, from draws
    simulated under equal means: (1 + #{simulated range >= observed}) / (1 + n_simulations)."""
    ranges = null_draws.max(axis=1) - null_draws.min(axis=1)
    return float((1 + np.sum(ranges >= observed - 1e-12)) / (1 + len(ranges)))


def laplace_noise(rng, std, shape):
    """Laplace noise of standard deviation ``std`` (scale std / sqrt(2)), per column."""
    return rng.laplace(0.0, 1.0, size=shape) * (np.asarray(std) / np.sqrt(2.0))


def gaussian_noise(rng, std, shape):
    """Normal noise of standard deviation ``std``, per column."""
    return rng.standard_normal(shape) * np.asarray(std)
