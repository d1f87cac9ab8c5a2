"""The interval of a gap (best- minus worst-served group): simultaneous over every pair of the
attribute's groups (issue 10), checked against normal theory computed here, and the plain
percentile interval kept beside it."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.stats import norm

from fairrec_core.audit import AuditContext


def max_t_quantile(se, level=0.95, draws=200_000, seed=0):
    """Normal theory: the ``level`` quantile of max over pairs |X_g - X_h| / sqrt(se_g² + se_h²)
    with independent group means X_g ~ N(0, se_g²) — simulated here."""
    x = np.random.default_rng(seed).normal(size=(draws, len(se))) * se
    t = [np.abs(x[:, a] - x[:, b]) / np.hypot(se[a], se[b])
         for a, b in combinations(range(len(se)), 2)]
    return np.quantile(np.max(t, axis=0), level)


def test_gap_interval_is_simultaneous_and_agrees_with_normal_theory(ml100k_split, ml100k_lists):
    ctx = AuditContext(ml100k_split.train, ml100k_split.test, k=10, groups=("gender", "age_group"))
    result = ctx.audit(ml100k_lists, n_bootstrap=2000, n_permutations=2000, seed=1)
    users = result.users
    for attribute in ("gender", "age_group"):
        for metric in ("ndcg", "recall", "novelty"):
            gap = result.gap(attribute, f"{metric}@10")
            col = users[attribute].astype(str)
            hi = users.loc[col == gap["max_group"], metric].dropna()
            lo = users.loc[col == gap["min_group"], metric].dropna()
            assert np.isclose(gap["difference"], hi.mean() - lo.mean())
            se = np.sqrt(hi.var(ddof=1) / len(hi) + lo.var(ddof=1) / len(lo))
            assert np.isclose(gap["se"], se)
            # simultaneous: difference ± c·se, c a quantile of the largest |t| under no gap
            c = gap["critical_value"]
            assert np.isclose(gap["ci_lo"], gap["difference"] - c * se)
            assert np.isclose(gap["ci_hi"], gap["difference"] + c * se)
            compared = result.group_table(attribute, f"{metric}@10")
            compared = compared[compared["n_users"] >= ctx.min_group_size]
            group_se = np.array([users.loc[col == g, metric].dropna().sem()
                                 for g in compared["group"]])
            n_pairs = len(group_se) * (len(group_se) - 1) // 2
            assert gap["n_groups"] == len(group_se)
            if n_pairs == 1:  # two large groups: the usual 1.96
                assert abs(c - 1.96) < 0.15, (attribute, metric, c)
            else:  # at least the normal-theory max-|t| quantile (more with groups of 12 users:
                # small samples have heavier tails), and far above one test's 1.96
                assert c > max(max_t_quantile(group_se) - 0.15, norm.ppf(0.975) + 0.5)
            # c is the permutation one (the omnibus test's); the bootstrap-t quantile agrees
            assert c == gap["critical_value_permutation"]
            assert abs(c - gap["critical_value_bootstrap"]) < 0.15 * c, (attribute, metric)
            # so the interval excludes 0 exactly when the pair's max-T adjusted p < 0.05
            assert (gap["ci_lo"] > 0) == (gap["p_value_pair"] < 0.05)
            # the percentile interval (not adjusted for the choice of pair) stays beside it
            width = gap["ci_hi_percentile"] - gap["ci_lo_percentile"]
            assert abs(width - 2 * 1.96 * se) < 0.2 * (2 * 1.96 * se), (attribute, metric)
            # and both sit in metrics.json next to the difference
            entry = result.to_dict()["gaps"][attribute][f"{metric}@10"]
            assert entry["difference_ci95"] == [gap["ci_lo"], gap["ci_hi"]]
            assert entry["difference_ci95_simultaneous"] == entry["difference_ci95"]
            assert entry["difference_ci95_percentile"] == [gap["ci_lo_percentile"],
                                                           gap["ci_hi_percentile"]]


def test_no_resamples_no_gap_interval(ml100k_split, ml100k_lists):
    ctx = AuditContext(ml100k_split.train, ml100k_split.test, k=10, groups=("gender",))
    result = ctx.audit(ml100k_lists, n_bootstrap=0, n_permutations=0)
    assert result.gaps["ci_lo"].isna().all() and result.gaps["ci_hi"].isna().all()
    assert result.gaps["ci_lo_percentile"].isna().all()
