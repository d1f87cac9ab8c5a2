"""Multiplicity-adjusted p-values and the Monte-Carlo error of resampled p-values.

- Holm (1979) step-down: controls the family-wise error rate for any dependence.
- Benjamini–Hochberg (1995): controls the false discovery rate (independent or positively
  dependent tests); the same numbers as ``scipy.stats.false_discovery_control``.
- Single-step max-T (Westfall & Young 1993): a pair's adjusted p-value is the share of
  permutations whose largest |t| over all pairs reaches the pair's |t|; it uses the correlation
  of the pairwise statistics, so it is less conservative than Holm.

All work along the last axis but one (``[..., n_tests, m]``) and skip NaN p-values.
"""

from __future__ import annotations

import numpy as np

#: Relative tolerance for ties between a resampled and the observed statistic (t statistics
#: are computed in float32).
TIE = 1e-6


def _along(p, fn):
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    flat_p = np.moveaxis(p, -2, -1).reshape(-1, p.shape[-2])
    flat_out = np.moveaxis(out, -2, -1).reshape(-1, p.shape[-2])
    for row, res in zip(flat_p, flat_out, strict=True):
        have = ~np.isnan(row)
        if have.any():
            res[have] = fn(row[have])
    return np.moveaxis(flat_out.reshape(np.moveaxis(out, -2, -1).shape), -1, -2)


def _holm(p):
    n = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((n - np.arange(n)) * p[order])
    out = np.empty(n)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _bh(p):
    n = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.minimum.accumulate((n / np.arange(n, 0, -1)) * p[order][::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(stepped, 1.0)
    return out


def holm(p):
    """Holm-adjusted p-values along axis -2 (NaN stays NaN and does not count as a test)."""
    return _along(p, _holm)


def benjamini_hochberg(p):
    """Benjamini–Hochberg adjusted p-values (q-values) along axis -2, NaN skipped."""
    return _along(p, _bh)


def monte_carlo_se(p, n_resamples: int):
    """The Monte-Carlo standard error sqrt(p (1 - p) / B) of a p-value from ``B`` resamples."""
    p = np.asarray(p, dtype=np.float64)
    if n_resamples <= 0:
        return np.full(p.shape, np.nan)
    return np.sqrt(p * (1 - p) / n_resamples)


def exceedance_pvalue(null, observed):
    """``(1 + #{null >= observed}) / (1 + B)`` (Phipson & Smyth 2010) for every observed value:
    ``null`` is ``[B, ...]`` (sorted or not), ``observed`` is ``[..., k, ...]`` broadcastable
    against ``null[0]`` after inserting the tested values' axis; here: ``null`` ``[B, G, m]`` and
    ``observed`` ``[n, G, m]`` give ``[n, G, m]``. NaN in ``null`` never counts as exceeding."""
    b = len(null)
    ordered = np.sort(np.where(np.isnan(null), -np.inf, null), axis=0)  # [B, G, m]
    obs = np.asarray(observed, dtype=np.float64)
    threshold = obs * (1 - TIE) - TIE
    out = np.full(obs.shape, np.nan)
    for g in range(ordered.shape[1]):
        for j in range(ordered.shape[2]):
            col = ordered[:, g, j]
            thr = threshold[:, g, j]
            count = b - np.searchsorted(col, thr, side="left")
            out[:, g, j] = np.where(np.isnan(thr), np.nan, (1 + count) / (1 + b))
    return out
