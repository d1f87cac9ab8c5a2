"""The inference of a full audit from one set of bootstrap resamples and one set of shuffles:
intervals of group means, simultaneous intervals and studentised tests of every pairwise gap,
each group against the rest, multiplicity adjustments, the minimum detectable gap, and ratios to
a reference group.

Which critical value c the simultaneous intervals d ± c·SE use (:data:`INTERVAL_CRITICAL`):
the ``level`` quantile of the permutation distribution of max over pairs |t| — the null
distribution of the studentised omnibus test itself, so a pair's interval excludes 0 exactly
when its max-T adjusted p-value is below 1 - level (up to the p-value's +1 in numerator and
denominator), and the headline interval and p-value cannot contradict each other. For
studentised statistics this permutation distribution and the bootstrap-t distribution of
max |t* - t| have the same limit (Chung & Romano 2013; Beran 1988 for the bootstrap), so the
intervals keep their coverage; the bootstrap-t quantile is kept beside it
(``critical_value_bootstrap``) and used when no permutations are run. On 40 null runs of the
demo the bootstrap-t version covered 0 in 92.5-97.5% per attribute and agreed with the p-value
in 97.5-100%; the permutation version agrees in 100% (benchmarks/bench_audit_validity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.audit._bootstrap import bootstrap_means, percentile_intervals
from fairrec_core.audit._gaps import FOUR_FIFTHS, ratio, spread
from fairrec_core.audit._multiplicity import benjamini_hochberg, holm, monte_carlo_se
from fairrec_core.audit._permutation import permutation_tests
from fairrec_core.audit._simultaneous import (
    Pairs,
    bootstrap_critical,
    centre,
    min_detectable,
    moments,
    pair_stats,
    split_sums,
    stacked,
)

#: Where the simultaneous intervals' critical value comes from first: "permutation" (the
#: permutation distribution of max |t|, the omnibus test's own) or "bootstrap" (bootstrap-t of
#: max |t|); the other is the fallback when the first was not computed (no shuffles / resamples).
INTERVAL_CRITICAL = "permutation"


@dataclass(frozen=True, eq=False)
class GapStatistics:
    lo: np.ndarray  # [n_columns + 1, m] percentile intervals of group means (+ everyone)
    hi: np.ndarray
    gaps: pd.DataFrame  # columns added to the gap frame (same rows)
    vs_rest: pd.DataFrame  # columns added to the vs-rest frame
    pairwise: pd.DataFrame
    p_rest: np.ndarray
    null_max: np.ndarray  # [n_permutations, n_groupings, m] permutation distribution of max |t|


def _labels(index):
    return np.array([lab for g in index.groupings for lab in g.labels] + [""], dtype=object)


def gap_statistics(values, index, means, ok, compared, metrics, *, n_bootstrap, n_permutations,
                   boot_rng, perm_rng, level, group_moments=None,
                   replicates=None) -> GapStatistics:
    """Everything inferential of :meth:`AuditContext.audit` (see the module docstring).

    The DuckDB engine (:mod:`fairrec_core.engines`) passes what it computed out of core:
    ``group_moments`` = ``(mean, se2)`` per group column (``[n_columns, m]``, all listed
    users), used instead of those of ``values``, and ``replicates`` = ``(means, se2)`` of its
    Poisson bootstrap (``[b, n_columns + 1, m]``, everyone last) instead of resampling
    ``values``; ``values`` (all listed users, or a sample of them) then serve the permutation
    tests only."""
    n, m = values.shape
    c = index.n_columns
    pairs = Pairs.build(index, compared)
    if group_moments is None:
        shift = centre(values)
        y, which = stacked(values, shift)
        mean, se2 = moments(*split_sums(index.sums(y), m, which), shift)
    else:
        mean, se2 = group_moments
    d, se, t = pair_stats(mean, se2, pairs, ok)
    n_g = len(index.groupings)
    _, _, arg_hi, arg_lo, _ = spread(means, ok, index)
    # bootstrap: group intervals, the percentile interval of the headline gap, bootstrap-t c
    nan_g = np.full((n_g, m), np.nan)
    if replicates is not None and len(replicates[0]):
        reps, reps_se2 = replicates
        lo, hi, pct_lo, pct_hi = percentile_intervals(reps, level, (arg_hi, arg_lo))
        c_boot = bootstrap_critical(reps[:, :c], reps_se2[:, :c], d, pairs, level)
    elif replicates is None and n_bootstrap > 0 and n > 0:
        everyone = np.full((n, 1), c)
        reps, reps_se2 = bootstrap_means(values, np.hstack([index.columns, everyone]), c + 1,
                                         n_resamples=n_bootstrap, rng=boot_rng, with_se2=True)
        lo, hi, pct_lo, pct_hi = percentile_intervals(reps, level, (arg_hi, arg_lo))
        c_boot = bootstrap_critical(reps[:, :c], reps_se2[:, :c], d, pairs, level)
    else:
        lo, hi = np.full((c + 1, m), np.nan), np.full((c + 1, m), np.nan)
        pct_lo, pct_hi, c_boot = nan_g, nan_g.copy(), nan_g.copy()
    # permutation tests
    tests = permutation_tests(values, index, compared, pairs, n_permutations=n_permutations,
                              rng=perm_rng)
    c_perm = permutation_critical(tests.null_max, level) if len(tests.null_max) else nan_g.copy()
    first, second = (c_boot, c_perm) if INTERVAL_CRITICAL == "bootstrap" else (c_perm, c_boot)
    crit = np.where(np.isnan(first), second, first)
    # pairs: simultaneous intervals and adjusted p-values
    c_pair = crit[pairs.grouping] if len(pairs) else np.zeros((0, m))
    p_pair = tests.p_pairs
    holm_pair = np.full(p_pair.shape, np.nan)
    bh_pair = np.full(p_pair.shape, np.nan)
    for s in pairs.slices:
        holm_pair[s] = holm(p_pair[s])
        bh_pair[s] = benjamini_hochberg(p_pair[s])
    labels = _labels(index)
    attrs = [g.attribute for g in index.groupings]
    pairwise = pd.DataFrame({
        "attribute": np.repeat(np.array(attrs, dtype=object)[pairs.grouping], m),
        "metric": np.tile(np.array(list(metrics), dtype=object), len(pairs)),
        "group_a": np.repeat(labels[pairs.a], m), "group_b": np.repeat(labels[pairs.b], m),
        "mean_a": mean[pairs.a].ravel(), "mean_b": mean[pairs.b].ravel(),
        "difference": d.ravel(), "se": se.ravel(), "statistic": t.ravel(),
        "ci_lo": (d - c_pair * se).ravel(), "ci_hi": (d + c_pair * se).ravel(),
        "p_value": p_pair.ravel(), "p_value_mc_se": monte_carlo_se(p_pair, n_permutations).ravel(),
        "p_adjusted_maxt": tests.p_pairs_maxt.ravel(), "p_adjusted_holm": holm_pair.ravel(),
        "p_adjusted_bh": bh_pair.ravel(),
    })
    pairwise = pairwise[~np.isnan(pairwise["difference"].to_numpy(float))].reset_index(drop=True)
    # the headline pair (best- vs worst-served group): its place among the pairs
    where = np.full((c, c), -1)
    where[pairs.a, pairs.b] = np.arange(len(pairs))
    where[pairs.b, pairs.a] = np.arange(len(pairs))
    cols = np.arange(m)
    valid = (arg_hi >= 0) & (arg_lo >= 0)
    head = np.where(valid, where[np.maximum(arg_hi, 0), np.maximum(arg_lo, 0)], -1)
    head_ok = head >= 0
    se_head = np.where(head_ok, se[np.maximum(head, 0), cols] if len(pairs) else np.nan, np.nan)
    diff_head = np.where(valid, means[np.maximum(arg_hi, 0), cols]
                         - means[np.maximum(arg_lo, 0), cols], np.nan)
    p_head = np.where(head_ok, tests.p_pairs_maxt[np.maximum(head, 0), cols]
                      if len(pairs) else np.nan, np.nan)
    statistic = np.full((n_g, m), np.nan)
    for j, s in enumerate(pairs.slices):
        if s.stop > s.start:
            block = np.abs(t[s])
            statistic[j] = np.where(np.isnan(block).all(axis=0), np.nan,
                                    np.nanmax(np.where(np.isnan(block), -np.inf, block), axis=0))
    gaps = pd.DataFrame({
        "p_value": tests.p_omnibus.ravel(),
        "ci_lo": (diff_head - crit * se_head).ravel(), "ci_hi": (diff_head + crit * se_head).ravel(),
        "se": se_head.ravel(), "statistic": statistic.ravel(), "critical_value": crit.ravel(),
        "critical_value_bootstrap": c_boot.ravel(), "critical_value_permutation": c_perm.ravel(),
        "ci_lo_percentile": pct_lo.ravel(), "ci_hi_percentile": pct_hi.ravel(),
        "p_value_mc_se": monte_carlo_se(tests.p_omnibus, n_permutations).ravel(),
        "p_value_pair": p_head.ravel(), "p_value_range": tests.p_range.ravel(),
        "min_detectable_gap": min_detectable(crit, se_head).ravel(),
    })
    # each group against the rest: Holm over an attribute's compared groups
    holm_rest = np.full(tests.p_rest.shape, np.nan)
    for _, s in index.group_slices():
        holm_rest[s] = holm(tests.p_rest[s])
    vs_rest = pd.DataFrame({
        "p_value_mc_se": monte_carlo_se(tests.p_rest, n_permutations).ravel(),
        "p_adjusted_holm": holm_rest.ravel(),
    })
    return GapStatistics(lo, hi, gaps, vs_rest, pairwise, tests.p_rest, tests.null_max)


def permutation_critical(null_max, level: float):
    """The critical value of the permutation distribution of max |t| (``[B, G, m]``) that makes
    "|t| > c" the same event as "max-T adjusted p < 1 - level", with p = (1 + #{null >= |t|}) /
    (1 + B): c is the (K + 1)-th largest null value, K = ceil((1 - level)(1 + B)) - 2 (inf when
    so few permutations that no p-value can be that small)."""
    b = len(null_max)
    k = int(np.ceil(round((1 - level) * (1 + b), 9))) - 2
    have = (~np.isnan(null_max)).any(axis=0)
    if k < 0:
        return np.where(have, np.inf, np.nan)
    ordered = np.sort(np.where(np.isnan(null_max), -np.inf, null_max), axis=0)
    return np.where(have, ordered[b - 1 - k], np.nan)


def reference_frame(index, metrics, means, sizes, ok, compared, chosen: dict) -> pd.DataFrame:
    """Per grouping, metric and group: ``reference`` (the group named in ``chosen`` for the
    attribute, else the compared group with the most listed users), ``reference_mean``,
    ``ratio`` (mean / reference mean) and ``difference``, ``flag`` (a compared group with a
    ratio outside the four-fifths band [0.8, 1.25]) and ``compared``."""
    rows = []
    m = len(metrics)
    for g, cols in index.group_slices():
        block_sizes = np.where(compared[cols], sizes[cols], -1)
        if g.attribute in chosen:
            ref = g.labels.index(chosen[g.attribute])
        elif (block_sizes >= 0).any():
            ref = int(np.argmax(block_sizes))
        else:
            continue
        block = means[cols]
        r = ratio(block, block[ref][None, :])
        flag = ok[cols] & ok[cols.start + ref][None, :] & (
            (r < FOUR_FIFTHS) | (r > 1 / FOUR_FIFTHS))
        k = len(g.labels)
        rows.append(pd.DataFrame({  # metric-major, like the gap frame
            "attribute": g.attribute,
            "metric": np.repeat(np.array(list(metrics), dtype=object), k),
            "group": np.tile(np.array(g.labels, dtype=object), m),
            "reference": g.labels[ref],
            "mean": block.T.ravel(), "reference_mean": np.repeat(block[ref], k),
            "ratio": r.T.ravel(), "difference": (block - block[ref][None, :]).T.ravel(),
            "flag": flag.T.ravel(), "compared": ok[cols].T.ravel(),
        }))
    columns = ["attribute", "metric", "group", "reference", "mean", "reference_mean", "ratio",
               "difference", "flag", "compared"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def excluded_groups(index, metrics, means, sizes, min_group_size, excluded) -> list:
    """Per grouping and metric (the gap frame's rows): ``{group: reason}`` for every listed group
    left out of the gap — ``"uninformative"``, ``"small"`` (fewer than ``min_group_size`` listed
    users) or ``"no values"``."""
    out = []
    for g, cols in index.group_slices():
        for j in range(len(metrics)):
            reasons = {}
            for i, lab in enumerate(g.labels):
                col = cols.start + i
                if sizes[col] == 0:
                    continue
                if excluded[col]:
                    reasons[lab] = "uninformative"
                elif sizes[col] < min_group_size:
                    reasons[lab] = "small"
                elif np.isnan(means[col, j]):
                    reasons[lab] = "no values"
            out.append(reasons)
    return out
