"""Multiplicity adjustments (Holm, Benjamini–Hochberg, single-step max-T), the Monte-Carlo
standard error of a permutation p-value, and the type-I error of the studentised test when the
groups differ in size and spread (issue 10)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from fairrec_core.audit._groups import GroupIndex, Grouping
from fairrec_core.audit._multiplicity import benjamini_hochberg, holm, monte_carlo_se
from fairrec_core.audit._permutation import permutation_tests
from fairrec_core.audit._simultaneous import Pairs


def holm_by_hand(p):
    """Holm (1979), written plainly: sort, multiply by (n - rank), running maximum, cap at 1."""
    p = list(p)
    n = len(p)
    order = sorted(range(n), key=lambda i: p[i])
    out, running = [0.0] * n, 0.0
    for rank, i in enumerate(order):
        running = max(running, (n - rank) * p[i])
        out[i] = min(running, 1.0)
    return out


def test_holm_and_bh_against_independent_computations():
    rng = np.random.default_rng(0)
    p = rng.random((9, 4)) ** 2
    p[3, 1] = np.nan  # not a test: skipped
    p[:, 3] = p[0, 3]  # all tied
    h, bh = holm(p), benjamini_hochberg(p)
    for j in range(4):
        have = ~np.isnan(p[:, j])
        np.testing.assert_allclose(h[have, j], holm_by_hand(p[have, j]))
        np.testing.assert_allclose(bh[have, j], false_discovery_control(p[have, j]))
        assert np.isnan(h[~have, j]).all() and np.isnan(bh[~have, j]).all()
    assert (h >= p - 1e-15)[~np.isnan(p)].all() and (h >= bh - 1e-15)[~np.isnan(p)].all()


def grouped(codes):
    codes = np.asarray(codes)
    labels = tuple(f"g{i}" for i in range(codes.max() + 1))
    index = GroupIndex.build([Grouping("g", ("g",), labels, codes)], np.arange(len(codes)))
    compared = np.ones(index.n_columns, bool)
    return index, compared, Pairs.build(index, compared)


def test_maxt_adjusted_pvalues_from_the_null_maximum():
    rng = np.random.default_rng(1)
    codes = np.repeat([0, 1, 2, 3], [80, 60, 50, 40])
    values = rng.normal(0, 1, len(codes)) + 0.25 * (codes == 3)
    index, compared, pairs = grouped(codes)
    tests = permutation_tests(values[:, None], index, compared, pairs, n_permutations=400,
                              rng=np.random.default_rng(2))
    null = tests.null_max[:, 0, 0]
    for p, (a, b) in enumerate(combinations(range(4), 2)):
        x, y = values[codes == a], values[codes == b]
        t = abs(x.mean() - y.mean()) / np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        expected = (1 + (null >= t * (1 - 1e-6)).sum()) / (1 + len(null))
        assert tests.p_pairs_maxt[p, 0] == pytest.approx(expected, abs=1.5 / 401)
        assert tests.p_pairs_maxt[p, 0] >= tests.p_pairs[p, 0] - 1e-12  # adjusting never lowers
    # the largest |t| pair's adjusted p-value is the omnibus p-value
    assert tests.p_pairs_maxt[:, 0].min() == pytest.approx(tests.p_omnibus[0, 0])


def test_monte_carlo_se_matches_the_spread_over_seeds():
    rng = np.random.default_rng(3)
    codes = np.repeat([0, 1], [60, 60])
    values = (rng.normal(0, 1, 120) + 0.25 * codes)[:, None]
    index, compared, pairs = grouped(codes)
    b = 200
    ps = np.array([permutation_tests(values, index, compared, pairs, n_permutations=b,
                                     rng=np.random.default_rng(100 + s)).p_omnibus[0, 0]
                   for s in range(60)])
    se = monte_carlo_se(ps.mean(), b)
    assert se == pytest.approx(np.sqrt(ps.mean() * (1 - ps.mean()) / b))
    assert 0.05 < ps.mean() < 0.5  # a p-value with Monte-Carlo error worth measuring
    assert ps.std(ddof=1) == pytest.approx(se, rel=0.35)
    assert np.isnan(monte_carlo_se(0.5, 0))


@pytest.mark.slow
def test_studentised_test_holds_its_level_with_unequal_sizes_and_spreads():
    # equal means, very different sizes and spreads (the small group is the noisy one): the
    # studentised omnibus test keeps its 5% level; the unstudentised range of means does not
    codes = np.repeat([0, 1, 2], [400, 60, 25])
    sd = np.array([0.5, 1.0, 3.0])[codes]
    index, compared, pairs = grouped(codes)
    rng = np.random.default_rng(4)
    p_t, p_range = [], []
    for s in range(250):
        values = (rng.normal(0, 1, len(codes)) * sd)[:, None]
        tests = permutation_tests(values, index, compared, pairs, n_permutations=200,
                                  rng=np.random.default_rng(s))
        p_t.append(tests.p_omnibus[0, 0])
        p_range.append(tests.p_range[0, 0])
    rate, rate_range = np.mean(np.array(p_t) < 0.05), np.mean(np.array(p_range) < 0.05)
    assert 0.015 < rate < 0.09, rate
    assert rate_range > rate + 0.03, (rate_range, rate)
