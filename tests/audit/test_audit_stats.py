"""Bootstrap intervals and permutation tests: against exact enumeration on tiny cases and
against normal theory on large ones."""

from __future__ import annotations

from itertools import combinations, permutations

import numpy as np
import pytest

from fairrec_core.audit._bootstrap import bootstrap_intervals, percentile_rows
from fairrec_core.audit._groups import GroupIndex, Grouping
from fairrec_core.audit._permutation import permutation_pvalues


def grouping(codes, labels=None, name="g"):
    codes = np.asarray(codes)
    labels = labels or tuple(f"g{i}" for i in range(codes.max() + 1))
    return Grouping(name, (name,), tuple(labels), codes)


def test_percentiles_equal_numpy_and_skip_nan():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 7))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 3] = np.nan
    ours = percentile_rows(x, [0.025, 0.5, 0.975])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        theirs = np.nanquantile(x, [0.025, 0.5, 0.975], axis=0)
    np.testing.assert_allclose(ours, theirs, equal_nan=True)


def test_bootstrap_interval_matches_normal_theory():
    rng = np.random.default_rng(1)
    n = 6000
    codes = (rng.random(n) < 0.25).astype(np.int64)  # groups of ~4500 and ~1500
    values = np.column_stack([rng.normal(2.0, 1.0, n), rng.exponential(1.0, n)])
    values[rng.random(n) < 0.1, 1] = np.nan  # undefined for some users: left out
    cols = np.column_stack([codes, np.full(n, 2)])  # + everyone
    lo, hi = bootstrap_intervals(values, cols, 3, n_resamples=2000,
                                 rng=np.random.default_rng(2))
    for c, members in enumerate([codes == 0, codes == 1, np.ones(n, bool)]):
        for m in range(2):
            v = values[members, m]
            v = v[~np.isnan(v)]
            half = 1.96 * v.std() / np.sqrt(len(v))
            assert hi[c, m] - lo[c, m] == pytest.approx(2 * half, rel=0.12)
            assert lo[c, m] < v.mean() < hi[c, m]


def test_bootstrap_is_reproducible_and_degenerate_cases():
    values = np.array([[1.0], [2.0], [np.nan], [4.0]])
    cols = np.array([[0], [0], [1], [1]])
    a = bootstrap_intervals(values, cols, 2, n_resamples=50, rng=np.random.default_rng(3))
    b = bootstrap_intervals(values, cols, 2, n_resamples=50, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    # group 1 has one user with a value: every resample that draws it gives 4.0
    assert a[0][1, 0] == 4.0 and a[1][1, 0] == 4.0
    lo, hi = bootstrap_intervals(values, cols, 2, n_resamples=0, rng=np.random.default_rng(3))
    assert np.isnan(lo).all() and np.isnan(hi).all()


def exact_pvalues(values, codes):
    """All distinct relabellings of users (same group sizes), by brute force."""
    n = len(values)
    groups = sorted(set(codes))

    def stats(labels):
        means = {}
        for g in groups:
            v = [x for x, lab in zip(values, labels, strict=True) if lab == g and not np.isnan(x)]
            means[g] = np.mean(v) if v else np.nan
        defined = [m for m in means.values() if not np.isnan(m)]
        gap = max(defined) - min(defined)
        rest = {}
        for g in groups:
            others = [x for x, lab in zip(values, labels, strict=True)
                      if lab != g and not np.isnan(x)]
            rest[g] = abs(means[g] - np.mean(others))
        return gap, rest

    obs_gap, obs_rest = stats(list(codes))
    seen = set()
    n_gap, n_rest, total = 0, dict.fromkeys(groups, 0), 0
    for perm in permutations(range(n)):
        labels = tuple(codes[i] for i in perm)
        if labels in seen:
            continue
        seen.add(labels)
        gap, rest = stats(labels)
        total += 1
        n_gap += gap >= obs_gap - 1e-12
        for g in groups:
            n_rest[g] += rest[g] >= obs_rest[g] - 1e-12
    return n_gap / total, {g: n_rest[g] / total for g in groups}


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ([0.1, 0.5, 0.3, 0.9, 0.8, 0.7, 1.0, 0.6], [0, 0, 0, 0, 1, 1, 1, 1]),
        ([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0], [0, 0, 0, 1, 1, 1, 1, 1]),  # ties (hit rate)
        ([0.2, np.nan, 0.1, 0.9, 0.4, 0.8, 0.7], [0, 0, 1, 1, 1, 2, 2]),  # three groups, NaN
    ],
)
def test_permutation_pvalues_match_exact_enumeration(values, codes):
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes)
    exact_gap, exact_rest = exact_pvalues(list(values), list(codes))
    index = GroupIndex.build([grouping(codes)], np.arange(len(codes)))
    n_perm = 6000
    p_gap, p_rest = permutation_pvalues(values[:, None], index, np.ones(index.n_columns, bool),
                                        n_permutations=n_perm, rng=np.random.default_rng(4))
    tol = 4 * np.sqrt(0.25 / n_perm) + 1 / n_perm
    assert p_gap[0, 0] == pytest.approx(exact_gap, abs=tol)
    for g, p in exact_rest.items():
        assert p_rest[g, 0] == pytest.approx(p, abs=tol)


def test_permutation_finds_a_planted_gap_and_not_a_null_one():
    rng = np.random.default_rng(5)
    n = 3000
    codes = rng.integers(0, 3, n)
    planted = rng.normal(0, 1, n) + 0.3 * (codes == 2)
    null = rng.normal(0, 1, n)
    index = GroupIndex.build([grouping(codes)], np.arange(n))
    p_gap, p_rest = permutation_pvalues(np.column_stack([planted, null]), index,
                                        np.ones(3, bool), n_permutations=500,
                                        rng=np.random.default_rng(6))
    assert p_gap[0, 0] == pytest.approx(1 / 501)  # nothing beats the planted gap
    assert p_rest[2, 0] == pytest.approx(1 / 501)
    assert p_gap[0, 1] > 0.01


def test_small_groups_are_left_out_of_the_gap():
    codes = np.array([0] * 20 + [1] * 20 + [2] * 2)
    values = np.r_[np.zeros(20), np.ones(20) * 0.1, np.ones(2) * 5.0][:, None]
    index = GroupIndex.build([grouping(codes)], np.arange(len(codes)))
    big = np.array([True, True, False])
    p_gap, p_rest = permutation_pvalues(values, index, big, n_permutations=200,
                                        rng=np.random.default_rng(7))
    assert np.isnan(p_rest[2, 0]) and not np.isnan(p_rest[0, 0])
    assert p_gap[0, 0] < 0.05  # 0 vs 0.1 with no noise: a clear gap among the large groups


def test_pvalues_over_all_relabellings_are_uniform():
    # the permutation distribution is exact: enumerate the 20 splits of 6 users into 3 + 3 and
    # the p-values of the observed labelling take the values k/20 equally often
    values = np.array([0.3, 0.1, 0.4, 0.15, 0.9, 0.26])
    ps = []
    for first in combinations(range(6), 3):
        codes = np.ones(6, dtype=np.int64)
        codes[list(first)] = 0
        exact, _ = exact_pvalues(list(values), list(codes))
        ps.append(exact)
    # each split and its mirror give the same gap: p takes values 2/20, 4/20, ..., 20/20
    assert sorted(ps) == pytest.approx(sorted([k / 20 for k in range(2, 21, 2)] * 2))
