"""Headline findings: the bootstrap interval of a gap, checked against a plain loop."""

from __future__ import annotations

import numpy as np

from fairrec_app.findings import gap_interval, p_text


def test_gap_interval_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    high = rng.random(40)
    low = np.concatenate([rng.random(25) * 0.8, [np.nan, np.nan]])
    lo, hi = gap_interval(high, low, n_resamples=300, seed=5)
    # the same resampling written out one resample at a time
    gen = np.random.default_rng(5)
    h, lw = high, low[~np.isnan(low)]
    hs = gen.integers(0, len(h), (300, len(h)))
    ls = gen.integers(0, len(lw), (300, len(lw)))
    diffs = [h[hs[i]].mean() - lw[ls[i]].mean() for i in range(300)]
    assert (lo, hi) == tuple(np.percentile(diffs, [2.5, 97.5]))
    assert lo < high.mean() - np.nanmean(low) < hi


def test_gap_interval_shrinks_with_more_users():
    rng = np.random.default_rng(0)
    small = gap_interval(rng.random(30), rng.random(30))
    large = gap_interval(rng.random(3000), rng.random(3000))
    assert large[1] - large[0] < (small[1] - small[0]) / 5


def test_p_text():
    assert p_text(0.000999) == "p < 0.001"
    assert p_text(0.0479) == "p = 0.048"
    assert p_text(float("nan")) == "p n/a"
