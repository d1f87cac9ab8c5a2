"""Every pairwise difference of an attribute's groups, studentised, and simultaneous intervals.

For groups g of one attribute with means m_g and plug-in standard errors s_g = sd_g / sqrt(n_g)
(sample standard deviation, ddof = 1: the standard error of a mean, which the bootstrap estimates
too), each pair g < h has the difference d_gh = m_g - m_h, its standard error
SE_gh = sqrt(s_g² + s_h²) and t_gh = d_gh / SE_gh.

Simultaneous intervals (max-|t|, in the spirit of Tukey's studentised range): with ``c`` the
``level`` quantile of max_{g<h} |t_gh| under no difference, d_gh ± c·SE_gh holds for every pair
at once with probability ``level``, so the interval of the best- vs worst-served pair keeps its
coverage although the pair is picked after seeing the data. ``c`` comes from the permutation
distribution of the studentised omnibus test (:mod:`._permutation`, see :mod:`._inference`) or,
here, from the bootstrap-t: in each bootstrap resample of users (the resamples of the group
intervals) every pair's t*_gh = (d*_gh - d_gh) / SE*_gh uses the resample's own standard errors
(sums of squares carried through the same weight product), and ``c`` is the ``level`` quantile
over resamples of max_{g<h} |t*_gh|.

The minimum detectable gap of a pair at ``power`` (80%) is (c + z_power)·SE_gh: a true
difference that large is found by the simultaneous test with that probability (normal theory).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

#: Power of the minimum detectable gap.
POWER = 0.8
#: Resamples per block when taking the maximum over pairs.
BLOCK = 100
#: At most this many pairwise statistics (resamples x pairs x metrics) per block.
PAIR_BUDGET = 4_000_000
#: Added to squared standard errors in :func:`pair_t2`: 0 / 0 = 0, d / 0 huge (float32).
TINY = np.float32(1e-37)


@dataclass(frozen=True, eq=False)
class Pairs:
    """Every pair ``a[p] < b[p]`` of compared group columns within one grouping;
    ``grouping[p]`` its grouping and ``slices[j]`` the pairs of grouping ``j``."""

    a: np.ndarray
    b: np.ndarray
    grouping: np.ndarray
    slices: tuple[slice, ...]

    def __len__(self) -> int:
        return len(self.a)

    @classmethod
    def build(cls, index, compared: np.ndarray) -> Pairs:
        """Pairs of the columns of ``index`` (a GroupIndex) with ``compared`` true."""
        a, b, g, slices, start = [], [], [], [], 0
        for j, (_, cols) in enumerate(index.group_slices()):
            members = np.flatnonzero(compared[cols]) + cols.start
            ia, ib = np.triu_indices(len(members), k=1)
            a.append(members[ia])
            b.append(members[ib])
            g.append(np.full(len(ia), j))
            slices.append(slice(start, start + len(ia)))
            start += len(ia)
        empty = [np.zeros(0, np.int64)]
        return cls(*(np.concatenate(x + empty).astype(np.int64) for x in (a, b, g)),
                   tuple(slices))


def centre(values: np.ndarray) -> np.ndarray:
    """Per metric, the mean of the defined values (0 where none): subtracted before squaring so
    that sums of squares keep their precision in float32."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a metric without values: 0
        return np.nan_to_num(np.nanmean(values, axis=0))


def moments(sums, squares, counts, shift):
    """``(mean, se2)``: means and squared standard errors (sample variance / n) from the sums,
    the sums of squares about ``shift`` and the counts; NaN where a count is below 1 (mean) or
    2 (se2)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / counts, np.nan)
        dev = mean - shift
        var = np.where(counts > 1, (squares - counts * dev * dev) / (counts - 1), np.nan)
        return mean, np.maximum(var, 0.0) / counts


def studentise(d, se):
    """``d / se`` with 0 / 0 = 0 and d / 0 = ±inf (no spread, yet different means)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(se > 0, d / se, np.where(d == 0, 0.0, np.sign(d) * np.inf))


def pair_stats(mean, se2, pairs: Pairs, valid=None):
    """``(d, se, t)``, each ``[..., n_pairs, m]``, from per-column ``mean`` and ``se2``
    (``[..., n_columns, m]``); NaN where a group has no standard error or ``valid`` (bool per
    column and metric, ``[..., n_columns, m]``) is false for either group."""
    d = mean[..., pairs.a, :] - mean[..., pairs.b, :]
    se = np.sqrt(se2[..., pairs.a, :] + se2[..., pairs.b, :])
    t = studentise(d, se)
    bad = np.isnan(se)
    if valid is not None:
        bad |= ~(valid[..., pairs.a, :] & valid[..., pairs.b, :])
    return np.where(bad, np.nan, d), np.where(bad, np.nan, se), np.where(bad, np.nan, t)


def pair_t2(mean, se2, pairs: Pairs, centre_d=None):
    """The squared t of every pair, ``(m_a - m_b - centre_d)² / (se2_a + se2_b)``
    (``[..., n_pairs, m]``), lean for many resamples at once: NaN in ``mean`` / ``se2`` (a group
    not compared) propagates; 0 / 0 = 0 and d / 0 is huge (as :func:`studentise`). Computed
    in float32 (a t statistic needs no more; the observed and resampled statistics take the same
    path, so exact ties stay ties)."""
    mean = np.asarray(mean, dtype=np.float32)
    se2 = np.asarray(se2, dtype=np.float32)
    d = mean[..., pairs.a, :] - mean[..., pairs.b, :]
    if centre_d is not None:
        d -= np.asarray(centre_d, dtype=np.float32)
    v = se2[..., pairs.a, :] + se2[..., pairs.b, :]
    v += TINY
    np.multiply(d, d, out=d)
    return np.divide(d, v, out=d)


def max_abs(t, pairs: Pairs):
    """Per grouping, the largest value of ``t`` (|t| or t²) over its pairs
    (``[..., n_groupings, m]``; NaN where no pair is defined)."""
    out = []
    for s in pairs.slices:
        if s.stop == s.start:
            out.append(np.full(t.shape[:-2] + (t.shape[-1],), np.nan))
        else:
            out.append(np.fmax.reduce(np.abs(t[..., s, :]), axis=-2))
    return np.stack(out, axis=-2) if out else np.zeros(t.shape[:-2] + (0, t.shape[-1]))


def bootstrap_critical(rep_mean, rep_se2, d, pairs: Pairs, level: float):
    """``c`` per grouping and metric (``[n_groupings, m]``): the ``level`` quantile of
    max_pairs |(d* - d) / SE*| over the bootstrap replicates (``rep_mean``, ``rep_se2``:
    ``[b, n_columns, m]``; ``d``: the observed differences, NaN for pairs not compared)."""
    maxima = []
    block = int(max(1, min(BLOCK, PAIR_BUDGET // max(1, d.size))))
    for start in range(0, len(rep_mean), block):
        t2 = pair_t2(rep_mean[start:start + block], rep_se2[start:start + block], pairs, d)
        maxima.append(max_abs(t2, pairs))
    if not maxima:
        return np.full((len(pairs.slices), d.shape[-1]), np.nan)
    stacked = np.concatenate(maxima, axis=0)
    have = (~np.isnan(stacked)).any(axis=0)
    with np.errstate(invalid="ignore"):
        filled = np.where(np.isnan(stacked), np.inf, stacked)  # an undefined max counts as large
        return np.sqrt(np.where(have, np.quantile(filled, level, axis=0), np.nan))


def min_detectable(critical, se, power: float = POWER):
    """The smallest true difference found with probability ``power`` by a test that rejects
    when |d| / se > ``critical``: (critical + z_power)·se (normal theory)."""
    return (critical + norm.ppf(power)) * se


def stacked(values: np.ndarray, shift: np.ndarray):
    """``(y, which)``: per user ``[values (0 where undefined), squares about shift (0 where
    undefined), has-a-value patterns]`` (``[n, 2m + p]``) and each metric's pattern, so that
    one product with a group indicator or weight matrix gives sums, sums of squares and counts
    (split with :func:`split_sums`)."""
    from fairrec_core.audit._bootstrap import defined_patterns

    patterns, which = defined_patterns(values)
    undefined = np.isnan(values)
    x = np.where(undefined, 0.0, values)
    sq = np.where(undefined, 0.0, (values - shift) ** 2)
    return np.concatenate([x, sq, patterns], axis=1), which


def split_sums(s, m: int, which):
    """``(sums, squares, counts)`` of products with :func:`stacked`'s ``y`` (``[..., 2m + p]``)."""
    return s[..., :m], s[..., m:2 * m], s[..., 2 * m:][..., which]
