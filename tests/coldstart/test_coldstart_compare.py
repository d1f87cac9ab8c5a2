"""Paired comparison of two per-user metrics: means, difference and ratio with bootstrap
intervals that draw the same users for both."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.coldstart import compare_users
from fairrec_core.errors import DataError


def test_means_and_a_constant_shift_have_a_zero_width_difference_interval():
    rng = np.random.default_rng(1)
    a = rng.random(300)
    out = compare_users(a, a + 0.1, n_resamples=400, seed=3)
    assert out["first"] == pytest.approx(a.mean()) and out["second"] == pytest.approx(a.mean() + 0.1)
    # paired: every resample draws the same users for both, so the shift never varies
    assert out["difference_lo"] == pytest.approx(0.1, abs=1e-6)
    assert out["difference_hi"] == pytest.approx(0.1, abs=1e-6)
    assert out["first_lo"] < out["first"] < out["first_hi"]
    assert out["ratio"] == pytest.approx((a.mean() + 0.1) / a.mean())
    assert out["ratio_lo"] < out["ratio"] < out["ratio_hi"]
    same = compare_users(a, a, n_resamples=100)
    assert (same["difference"], same["difference_lo"], same["difference_hi"]) == (0.0, 0.0, 0.0)
    assert same["ratio_lo"] == same["ratio_hi"] == pytest.approx(1.0)


def test_users_without_both_values_are_left_out_and_intervals_match_a_plain_bootstrap():
    a = np.array([0.2, np.nan, 0.5, 0.9, 0.4, 0.3])
    b = np.array([0.3, 0.8, np.nan, 0.7, 0.6, 0.1])
    out = compare_users(a, b, n_resamples=2000, seed=0, level=0.9)
    both = ~np.isnan(a) & ~np.isnan(b)
    assert out["n_users"] == 4 and out["level"] == 0.9
    assert out["difference"] == pytest.approx(b[both].mean() - a[both].mean())
    # a plain bootstrap over the same four users agrees to Monte Carlo error
    rng = np.random.default_rng(7)
    d = b[both] - a[both]
    reps = d[rng.integers(0, 4, size=(20000, 4))].mean(axis=1)
    lo, hi = np.quantile(reps, [0.05, 0.95])
    assert out["difference_lo"] == pytest.approx(lo, abs=0.03)
    assert out["difference_hi"] == pytest.approx(hi, abs=0.03)


def test_bad_input_is_refused():
    with pytest.raises(DataError, match="expected one per user each"):
        compare_users([1.0, 2.0], [1.0])
    with pytest.raises(DataError, match="no user has a value for both"):
        compare_users([np.nan, 1.0], [1.0, np.nan])
    with pytest.raises(DataError, match="level must be in"):
        compare_users([1.0], [1.0], level=1.0)
