"""The noise of a private release against the formulas: Laplace scale = sensitivity / ε of each
query, Gaussian scale = sensitivity / sqrt(2ρ), OpenDP's privacy maps, the split of the budget,
and the variance of the noise actually drawn (seeded numpy and OpenDP's sampler) within its own
standard error."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairrec_core.privacy import (
    COUNT_SHARE,
    SUM_SHARE,
    SUMSQ_SHARE,
    PrivacyError,
    budget_parts,
    calibrate,
    private_release,
)
from fairrec_core.privacy._mechanism import add_noise, approx_epsilon, total_rho


def test_budget_split_of_attributes_and_metrics():
    parts = budget_parts(["gender", "age_group"], ["ndcg", "recall"])
    shares = {(g, s): share for g, s, share, _ in parts}
    assert math.isclose(sum(shares.values()), 1.0)
    assert shares["gender", "count"] == pytest.approx(0.5 * COUNT_SHARE)
    assert shares["gender", "sum:ndcg"] == pytest.approx(0.5 * SUM_SHARE / 2)
    assert shares["age_group", "sumsq:recall"] == pytest.approx(0.5 * SUMSQ_SHARE / 2)
    # every statistic of a [0, 1] metric (and the count) moves by at most 1 per user
    assert {sens for *_, sens in parts} == {1.0}


def test_laplace_scale_is_sensitivity_over_epsilon():
    parts = budget_parts(["gender", "region", "age_group"], ["ndcg"])
    acc = calibrate(parts, epsilon=1.0)
    assert acc.mechanism == "laplace" and acc.delta == 0.0
    for q in acc.queries:
        eps_q = 1.0 * q.share
        assert q.scale == pytest.approx(q.sensitivity / eps_q, rel=1e-12)
        assert q.loss == pytest.approx(eps_q, rel=1e-9)  # OpenDP's map of that measurement
    assert acc.epsilon == pytest.approx(1.0, abs=1e-12)
    count = acc.query("gender", "count")
    assert count.scale == pytest.approx(3 / COUNT_SHARE)  # 1 / (1/3 · 1/4) = 12
    assert acc.noise_std(count) == pytest.approx(math.sqrt(2) * 12)


def test_gaussian_rho_split_and_conversion():
    acc = calibrate(budget_parts(["gender"], ["ndcg", "recall"]), epsilon=1.0, delta=1e-6)
    assert acc.mechanism == "gaussian"
    rho = total_rho(1.0, 1e-6)
    assert acc.rho == pytest.approx(rho, rel=1e-9)
    for q in acc.queries:
        assert q.scale == pytest.approx(q.sensitivity / math.sqrt(2 * rho * q.share), rel=1e-9)
        assert q.loss == pytest.approx(rho * q.share, rel=1e-6)
    # the conversion meets the asked epsilon and is no looser than the classic bound
    assert acc.epsilon <= 1.0 + 1e-9 and acc.epsilon == pytest.approx(1.0, rel=1e-3)
    assert approx_epsilon(rho, 1e-6) <= rho + 2 * math.sqrt(rho * math.log(1e6)) + 1e-12


@pytest.mark.parametrize("mechanism,delta", [("laplace", 0.0), ("gaussian", 1e-6)])
def test_seeded_noise_variance_matches_the_scale(mechanism, delta):
    acc = calibrate([("gender", "sum:ndcg", 1.0, 1.0)], epsilon=0.5, delta=delta)
    q = acc.queries[0]
    n = 40_000
    draws = add_noise(np.zeros(n), q, mechanism, np.random.default_rng(0))
    expected = 2 * q.scale ** 2 if mechanism == "laplace" else q.scale ** 2
    kurtosis = 6.0 if mechanism == "laplace" else 3.0  # E[x^4] / var^2
    se = expected * math.sqrt((kurtosis - 1) / n)  # standard error of the sample variance
    assert abs(draws.var() - expected) < 4 * se
    assert abs(draws.mean()) < 4 * math.sqrt(expected / n)
    # the same seed draws the same noise
    again = add_noise(np.zeros(n), q, mechanism, np.random.default_rng(0))
    assert np.array_equal(draws, again)


def test_opendp_sampler_variance_matches_the_scale():
    acc = calibrate([("gender", "count", 1.0, 1.0)], epsilon=0.25)
    q = acc.queries[0]
    n = 20_000
    draws = add_noise(np.zeros(n), q, "laplace", None)
    expected = 2 * q.scale ** 2  # scale 4: variance 32
    assert abs(draws.var() - expected) < 5 * expected * math.sqrt(5 / n)
    assert not np.array_equal(draws, add_noise(np.zeros(n), q, "laplace", None))


def test_release_noise_has_the_calibrated_variance(shop_ctx, shop_lists):
    """Over seeded releases, (noisy - exact) / scale of every count, sum and sum of squares of
    every group has variance 2 (Laplace of scale 1)."""
    users = shop_ctx.user_metrics(shop_lists)
    users = users[users["n_test"] > 0]
    gender = next(g for g in shop_ctx.groupings if g.attribute == "gender")
    codes = gender.codes[users["user"].to_numpy()]
    x = users["ndcg"].to_numpy()
    exact = {"count": np.bincount(codes, minlength=gender.n_groups),
             "sum:ndcg": np.bincount(codes, weights=x, minlength=gender.n_groups),
             "sumsq:ndcg": np.bincount(codes, weights=x ** 2, minlength=gender.n_groups)}
    z = []
    for seed in range(150):
        rel = private_release(shop_ctx, shop_lists, epsilon=2.0, metrics=["ndcg"], seed=seed,
                              threshold=-np.inf, n_simulations=100)
        rows = rel.groups[(rel.groups["attribute"] == "gender")]
        for stat, column in (("count", "n_noisy"), ("sum:ndcg", "sum_noisy"),
                             ("sumsq:ndcg", "sumsq_noisy")):
            scale = rel.accounting.query("gender", stat).scale
            z.append((rows[column].to_numpy() - exact[stat]) / scale)
    z = np.concatenate(z)
    assert abs(z.var() - 2.0) < 4 * 2.0 * math.sqrt(5 / len(z))
    assert abs(z.mean()) < 4 * math.sqrt(2.0 / len(z))


def test_budget_must_be_positive():
    with pytest.raises(PrivacyError, match="epsilon must be a positive"):
        calibrate(budget_parts(["gender"], ["ndcg"]), epsilon=0.0)
    with pytest.raises(PrivacyError, match="delta must be"):
        calibrate(budget_parts(["gender"], ["ndcg"]), epsilon=1.0, delta=1.0)


def test_gaussian_release_noise_and_budget(shop_ctx, shop_lists):
    """With δ > 0 the release's noise is normal with the zCDP-calibrated scale, and its ε at δ
    is the asked one."""
    users = shop_ctx.user_metrics(shop_lists)
    users = users[users["n_test"] > 0]
    region = next(g for g in shop_ctx.groupings if g.attribute == "region")
    exact = np.bincount(region.codes[users["user"].to_numpy()], minlength=region.n_groups)
    z = []
    for seed in range(150):
        rel = private_release(shop_ctx, shop_lists, epsilon=2.0, delta=1e-6, metrics=["ndcg"],
                              attributes=["region"], seed=seed, threshold=-np.inf,
                              n_simulations=100)
        assert rel.accounting.mechanism == "gaussian"
        scale = rel.accounting.query("region", "count").scale
        z.append((rel.group_table("region", "ndcg@10")["n_noisy"].to_numpy() - exact) / scale)
    z = np.concatenate(z)
    assert abs(z.var() - 1.0) < 4 * math.sqrt(2 / len(z))
    kurtosis = np.mean(z ** 4) / z.var() ** 2
    assert abs(kurtosis - 3.0) < 0.6  # normal, not Laplace (6)
    assert rel.epsilon == pytest.approx(2.0, rel=1e-3) and rel.delta == 1e-6
    assert rel.to_dict()["privacy"]["rho"] == pytest.approx(total_rho(2.0, 1e-6))
