"""Simultaneous intervals of every pairwise gap and the minimum detectable gap (issue 10): the
critical value against normal theory on large groups, coverage of the pair picked after seeing
the data over repeated draws, and the formulas against plain computations."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from scipy.stats import norm, studentized_range

from fairrec_core.audit import AuditContext
from fairrec_core.audit._bootstrap import bootstrap_means
from fairrec_core.audit._gaps import eligible, gap_frame, group_means
from fairrec_core.audit._groups import GroupIndex, Grouping
from fairrec_core.audit._inference import gap_statistics, permutation_critical
from fairrec_core.audit._simultaneous import Pairs, bootstrap_critical, moments


def setup(codes, values):
    codes = np.asarray(codes)
    labels = tuple(f"g{i}" for i in range(codes.max() + 1))
    index = GroupIndex.build([Grouping("g", ("g",), labels, codes)], np.arange(len(codes)))
    means, _ = group_means(index, values)
    sizes = np.bincount(codes, minlength=index.n_columns)
    ok = eligible(index, sizes, means, 10)
    return index, means, ok, np.ones(index.n_columns, bool)


def max_t_quantile(se, level=0.95, draws=400_000, seed=0):
    """Normal theory, simulated here: the ``level`` quantile of max over pairs of
    |X_g - X_h| / sqrt(se_g² + se_h²) for independent X_g ~ N(0, se_g²)."""
    x = np.random.default_rng(seed).normal(size=(draws, len(se))) * se
    t = [np.abs(x[:, a] - x[:, b]) / np.hypot(se[a], se[b])
         for a, b in combinations(range(len(se)), 2)]
    return np.quantile(np.max(t, axis=0), level)


def critical(codes, values, n_resamples=2000, seed=0):
    index, means, ok, compared = setup(codes, values)
    pairs = Pairs.build(index, compared)
    reps, se2 = bootstrap_means(values, index.columns, index.n_columns, n_resamples=n_resamples,
                                rng=np.random.default_rng(seed), with_se2=True)
    d = means[pairs.a] - means[pairs.b]
    return bootstrap_critical(reps, se2, d, pairs, 0.95)[0]


def test_bootstrap_se2_is_the_plugin_standard_error_of_each_replicate():
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(5, 2, 50), rng.exponential(1, 50)])
    values[::7, 1] = np.nan
    codes = np.zeros((50, 1), dtype=np.int64)
    reps, se2 = bootstrap_means(values, codes, 1, n_resamples=5, rng=np.random.default_rng(1),
                                with_se2=True)
    # the same resamples drawn by hand: the counts of each user
    draws = np.random.default_rng(1).integers(0, 50, size=(5, 50), dtype=np.int32)
    for b in range(5):
        sample = values[draws[b]]
        for m in range(2):
            v = sample[:, m][~np.isnan(sample[:, m])]
            assert reps[b, 0, m] == pytest.approx(v.mean(), rel=1e-5)
            assert se2[b, 0, m] == pytest.approx(v.var(ddof=1) / len(v), rel=1e-4)
    mean, s2 = moments(np.array([6.0]), np.array([5.0]), np.array([3.0]), 1.0)  # 1, 2, 3
    assert mean[0] == 2.0 and s2[0] == pytest.approx(np.var([1, 2, 3], ddof=1) / 3)


def test_critical_value_equals_the_studentised_range_for_equal_groups():
    # k equal normal groups: max |t| is the studentised range / sqrt(2) (Tukey)
    rng = np.random.default_rng(2)
    codes = np.repeat(np.arange(4), 1500)
    values = rng.normal(0, 1, (len(codes), 1))
    c = critical(codes, values)
    tukey = studentized_range.ppf(0.95, 4, 10_000) / np.sqrt(2)
    assert c[0] == pytest.approx(tukey, abs=0.1)


def test_critical_value_matches_normal_theory_for_unequal_groups():
    rng = np.random.default_rng(3)
    sizes, sds = [3000, 1500, 800, 500, 300], [1.0, 0.5, 2.0, 1.0, 3.0]
    codes = np.repeat(np.arange(5), sizes)
    values = np.column_stack([rng.normal(0, 1, len(codes)) * np.repeat(sds, sizes),
                              rng.exponential(1, len(codes)) * np.repeat(sds, sizes)])
    c = critical(codes, values)
    se = np.array(sds) / np.sqrt(sizes)
    expected = max_t_quantile(se)
    assert c[0] == pytest.approx(expected, abs=0.1)
    assert c[1] == pytest.approx(expected, abs=0.15)  # skewed values, still large groups
    assert norm.ppf(0.975) < expected < norm.ppf(1 - 0.025 / 10)  # between one test and Bonf.


@pytest.mark.slow
def test_headline_pair_interval_covers_over_repeated_draws():
    # six groups of unequal size and spread; the pair shown is picked after seeing the data
    # (best minus worst mean): the simultaneous interval still covers its true difference, the
    # plain percentile interval does not
    sizes = np.array([400, 250, 150, 100, 60, 40])
    true = np.array([0.0, 0.0, 0.05, 0.0, 0.1, 0.0])
    sds = np.array([1.0, 1.0, 0.7, 1.5, 1.0, 2.0])
    codes = np.repeat(np.arange(6), sizes)
    rng = np.random.default_rng(4)
    hits, hits_boot, hits_pct = [], [], []
    for s in range(250):
        values = (true[codes] + rng.normal(0, 1, len(codes)) * sds[codes])[:, None]
        index, means, ok, compared = setup(codes, values)
        stats = gap_statistics(values, index, means, ok, compared, ("x",), n_bootstrap=300,
                               n_permutations=300, boot_rng=np.random.default_rng(s),
                               perm_rng=np.random.default_rng(s + 1), level=0.95)
        gap = gap_frame(index, ("x",), means, ok).join(stats.gaps).iloc[0]
        hi, lo = int(gap["max_group"][1:]), int(gap["min_group"][1:])
        target = true[hi] - true[lo]
        hits.append(gap["ci_lo"] <= target <= gap["ci_hi"])  # permutation c
        boot = gap["critical_value_bootstrap"] * gap["se"]
        hits_boot.append(gap["difference"] - boot <= target <= gap["difference"] + boot)
        hits_pct.append(gap["ci_lo_percentile"] <= target <= gap["ci_hi_percentile"])
    assert np.mean(hits) >= 0.93, np.mean(hits)
    assert np.mean(hits_boot) >= 0.93, np.mean(hits_boot)
    assert np.mean(hits_pct) < np.mean(hits) - 0.1


def test_permutation_critical_value_makes_interval_and_pvalue_agree():
    rng = np.random.default_rng(6)
    for b in (19, 99, 999, 1000):
        null = np.abs(rng.standard_t(5, size=(b, 1, 1)))
        c = permutation_critical(null, 0.95)[0, 0]
        for t in np.r_[rng.uniform(0, 4, 300), np.sort(null.ravel())[-60:]]:
            p = (1 + (null.ravel() >= t).sum()) / (1 + b)
            assert (t > c) == (p < 0.05), (b, t, c, p)
    assert np.isinf(permutation_critical(np.ones((10, 1, 1)), 0.95)[0, 0])  # p >= 1/11


def test_pairs_intervals_and_minimum_detectable_gap_against_plain_formulas(shop_split,
                                                                           shop_lists):
    ctx = AuditContext(shop_split.train, shop_split.test, k=10, groups=["age_group"],
                       intersections=False)
    result = ctx.audit(shop_lists, n_bootstrap=300, n_permutations=300, seed=5)
    users = result.users
    gap = result.gap("age_group", "ndcg@10")
    c = gap["critical_value"]
    pw = result.pairwise[result.pairwise["metric"] == "ndcg@10"]
    compared = [g for g, n in users["age_group"].value_counts().items()
                if n >= ctx.min_group_size]
    assert len(pw) == len(compared) * (len(compared) - 1) // 2
    for r in pw.itertuples():
        a = users.loc[users["age_group"] == r.group_a, "ndcg"].dropna()
        b = users.loc[users["age_group"] == r.group_b, "ndcg"].dropna()
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert r.difference == pytest.approx(a.mean() - b.mean())
        assert r.se == pytest.approx(se) and r.statistic == pytest.approx(r.difference / se)
        assert (r.ci_lo, r.ci_hi) == pytest.approx((r.difference - c * se, r.difference + c * se))
    # the headline pair is one of them, with the same interval
    shown = {gap["max_group"], gap["min_group"]}
    head = pw[[{a, b} == shown for a, b in zip(pw["group_a"], pw["group_b"], strict=True)]]
    assert len(head) == 1
    assert abs(head["difference"].iloc[0]) == pytest.approx(gap["difference"])
    assert gap["se"] == pytest.approx(head["se"].iloc[0])
    assert gap["p_value_pair"] == pytest.approx(head["p_adjusted_maxt"].iloc[0])
    # minimum detectable gap: (c + z_0.8) standard errors of the headline pair
    assert gap["min_detectable_gap"] == pytest.approx((c + norm.ppf(0.8)) * gap["se"])
    # every gap: the interval excludes 0 exactly when the pair's p < 0.05, and then the
    # headline (omnibus) p is below 0.05 too: it is never larger than a pair's adjusted p
    gaps = result.gaps.dropna(subset=["ci_lo", "p_value_pair"])
    assert len(gaps) == len(result.metrics)
    assert ((gaps["ci_lo"] > 0) == (gaps["p_value_pair"] < 0.05)).all()
    assert (gaps["p_value"] <= gaps["p_value_pair"] + 1e-12).all()
    entry = result.to_dict()["gaps"]["age_group"]["ndcg@10"]
    assert entry["min_detectable_gap"] == pytest.approx(gap["min_detectable_gap"])
    assert len(entry["pairwise"]) == len(pw)
