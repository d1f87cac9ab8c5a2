"""Bootstrap intervals and studentised permutation tests: against exact enumeration on tiny
cases and against normal theory on large ones."""

from __future__ import annotations

from itertools import combinations, permutations

import numpy as np
import pytest

from fairrec_core.audit._bootstrap import bootstrap_intervals, percentile_rows
from fairrec_core.audit._groups import GroupIndex, Grouping
from fairrec_core.audit._permutation import permutation_tests
from fairrec_core.audit._simultaneous import Pairs


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


def _t(a, b):
    """Studentised difference of two samples' means (plug-in standard error, ddof = 1); None
    when a sample has fewer than two values; 0 / 0 = 0 and d / 0 = inf."""
    if len(a) < 2 or len(b) < 2:
        return None
    d = np.mean(a) - np.mean(b)
    se = np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    return abs(d) / se if se > 0 else (0.0 if d == 0 else np.inf)


def exact_pvalues(values, codes):
    """All distinct relabellings of users (same group sizes), by brute force: p-values of the
    studentised omnibus statistic (max over pairs of |t|), of every pair (unadjusted and
    single-step max-T adjusted) and of each group against the rest (|t|)."""
    n = len(values)
    groups = sorted(set(codes))
    pairs = list(combinations(groups, 2))

    def stats(labels):
        by = {g: [x for x, lab in zip(values, labels, strict=True) if lab == g and x == x]
              for g in groups}
        ts = {p: _t(by[p[0]], by[p[1]]) for p in pairs}
        defined = [t for t in ts.values() if t is not None]
        rest = {g: _t(by[g], [x for h in groups if h != g for x in by[h]]) for g in groups}
        return (max(defined) if defined else None), ts, rest

    def geq(x, y):
        return x is not None and y is not None and x >= y - 1e-9 * abs(y) - 1e-12

    obs_max, obs_t, obs_rest = stats(list(codes))
    seen = set()
    n_max, total = 0, 0
    n_pair, n_maxt = dict.fromkeys(pairs, 0), dict.fromkeys(pairs, 0)
    n_rest = dict.fromkeys(groups, 0)
    for perm in permutations(range(n)):
        labels = tuple(codes[i] for i in perm)
        if labels in seen:
            continue
        seen.add(labels)
        mx, ts, rest = stats(labels)
        total += 1
        n_max += geq(mx, obs_max)
        for p in pairs:
            n_pair[p] += geq(ts[p], obs_t[p])
            n_maxt[p] += geq(mx, obs_t[p])
        for g in groups:
            n_rest[g] += geq(rest[g], obs_rest[g])

    def share(k, obs):
        return np.nan if obs is None else k / total

    return (share(n_max, obs_max), {p: share(n_pair[p], obs_t[p]) for p in pairs},
            {p: share(n_maxt[p], obs_t[p]) for p in pairs},
            {g: share(n_rest[g], obs_rest[g]) for g in groups})


def run_tests(values, codes, compared=None, n_permutations=1000, seed=0):
    index = GroupIndex.build([grouping(codes)], np.arange(len(codes)))
    compared = np.ones(index.n_columns, bool) if compared is None else np.asarray(compared)
    pairs = Pairs.build(index, compared)
    return pairs, permutation_tests(values, index, compared, pairs, n_permutations=n_permutations,
                                    rng=np.random.default_rng(seed))


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ([0.1, 0.5, 0.3, 0.9, 0.8, 0.7, 1.0, 0.6], [0, 0, 0, 0, 1, 1, 1, 1]),
        ([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0], [0, 0, 0, 1, 1, 1, 1, 1]),  # ties (hit rate)
        ([0.2, np.nan, 0.1, 0.9, 0.4, 0.8, 0.7, 0.3], [0, 0, 0, 1, 1, 2, 2, 2]),  # 3 groups, NaN
        ([0.2, 0.25, 0.1, 0.9, 0.4, 1.8, 0.0, 0.3], [0, 0, 1, 1, 1, 2, 2, 2]),  # unequal spread
    ],
)
def test_studentised_pvalues_match_exact_enumeration(values, codes):
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes)
    exact_max, exact_pair, exact_maxt, exact_rest = exact_pvalues(list(values), list(codes))
    n_perm = 6000
    pairs, tests = run_tests(values[:, None], codes, n_permutations=n_perm, seed=4)
    tol = 4 * np.sqrt(0.25 / n_perm) + 1 / n_perm
    assert tests.p_omnibus[0, 0] == pytest.approx(exact_max, abs=tol, nan_ok=True)
    for p, (a, b) in enumerate(zip(pairs.a, pairs.b, strict=True)):
        assert tests.p_pairs[p, 0] == pytest.approx(exact_pair[(a, b)], abs=tol, nan_ok=True)
        assert tests.p_pairs_maxt[p, 0] == pytest.approx(exact_maxt[(a, b)], abs=tol, nan_ok=True)
    for g, p in exact_rest.items():
        assert tests.p_rest[g, 0] == pytest.approx(p, abs=tol, nan_ok=True)


def test_permutation_finds_a_planted_gap_and_not_a_null_one():
    rng = np.random.default_rng(5)
    n = 3000
    codes = rng.integers(0, 3, n)
    planted = rng.normal(0, 1, n) + 0.3 * (codes == 2)
    null = rng.normal(0, 1, n)
    _, tests = run_tests(np.column_stack([planted, null]), codes, n_permutations=500, seed=6)
    assert tests.p_omnibus[0, 0] == pytest.approx(1 / 501)  # nothing beats the planted gap
    assert tests.p_rest[2, 0] == pytest.approx(1 / 501)
    assert tests.p_omnibus[0, 1] > 0.01
    # the null distribution of the maximum is kept: its 95% quantile is near the normal-theory
    # value for three equal groups (studentised range q(0.95; 3, inf) / sqrt(2) = 2.34)
    q = np.quantile(tests.null_max[:, 0, 1], 0.95)
    assert q == pytest.approx(3.314 / np.sqrt(2), abs=0.25)


def test_small_groups_are_left_out_of_the_gap():
    codes = np.array([0] * 20 + [1] * 20 + [2] * 2)
    rng = np.random.default_rng(7)
    values = np.r_[rng.normal(0, 0.01, 20), rng.normal(0.1, 0.01, 20), np.ones(2) * 5.0][:, None]
    pairs, tests = run_tests(values, codes, compared=[True, True, False], n_permutations=200)
    assert len(pairs) == 1 and (pairs.a[0], pairs.b[0]) == (0, 1)
    assert np.isnan(tests.p_rest[2, 0]) and not np.isnan(tests.p_rest[0, 0])
    assert tests.p_omnibus[0, 0] < 0.05  # 0 vs 0.1 with little noise: a clear gap


def test_pvalues_over_all_relabellings_are_uniform():
    # the permutation distribution is exact: enumerate the 20 splits of 6 users into 3 + 3 and
    # the p-values of the observed labelling take the values k/20 equally often
    values = np.array([0.3, 0.1, 0.4, 0.15, 0.9, 0.26])
    ps = []
    for first in combinations(range(6), 3):
        codes = np.ones(6, dtype=np.int64)
        codes[list(first)] = 0
        exact, *_ = exact_pvalues(list(values), list(codes))
        ps.append(exact)
    # each split and its mirror give the same |t|: p takes values 2/20, 4/20, ..., 20/20
    assert sorted(ps) == pytest.approx(sorted([k / 20 for k in range(2, 21, 2)] * 2))
