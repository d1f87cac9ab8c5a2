"""A private release: repeatable with a seed, everything derived from the noisy values only,
close to the exact audit when the noise vanishes, the keys of intersections, the private
metrics.json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.privacy import PRIVATE_NOTE, PrivacyError, private_release


def test_same_seed_same_release_other_seed_other(shop_ctx, shop_lists):
    a = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=5)
    b = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=5)
    c = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=6)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    pd.testing.assert_frame_equal(a.groups, b.groups)
    assert not np.allclose(a.groups["n_noisy"].fillna(0), c.groups["n_noisy"].fillna(0))


def test_means_gaps_and_overall_are_post_processing(shop_ctx, shop_lists):
    rel = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=1, threshold=0)
    g = rel.groups
    expected = np.clip(g["sum_noisy"] / np.maximum(g["n_noisy"], 1.0), 0, 1)
    np.testing.assert_allclose(g["mean"], expected, rtol=1e-12)
    assert ((g["ci_lo"] <= g["mean"] + 0.05) & (g["mean"] - 0.05 <= g["ci_hi"])).all()
    # the gap: max - min of the compared private means, and its groups
    for gap in rel.gaps.itertuples():
        rows = g[(g["attribute"] == gap.attribute) & (g["metric"] == gap.metric) & g["compared"]]
        assert gap.n_groups == len(rows)
        if len(rows) >= 2:
            assert gap.difference == pytest.approx(rows["mean"].max() - rows["mean"].min())
            assert gap.max_group == rows.loc[rows["mean"].idxmax(), "group"]
            assert gap.ratio == pytest.approx(rows["mean"].min() / rows["mean"].max())
            assert 0 < gap.p_value <= 1
    # overall: the first attribute's noisy sums over its noisy counts
    first = g[(g["attribute"] == rel.attributes[0]) & (g["metric"] == "ndcg@10")]
    overall = rel.overall.set_index("metric").loc["ndcg@10"]
    assert overall["mean"] == pytest.approx(first["sum_noisy"].sum() / first["n_noisy"].sum())
    assert overall["n_noisy"] == pytest.approx(first["n_noisy"].sum())


def test_vanishing_noise_gives_the_exact_means_and_sampling_intervals(shop_ctx, shop_lists):
    exact = shop_ctx.audit(shop_lists, n_bootstrap=400, n_permutations=0, seed=0)
    rel = private_release(shop_ctx, shop_lists, epsilon=1e7, metrics=["ndcg", "recall"],
                          seed=0, n_simulations=4000)
    for metric in ("ndcg@10", "recall@10"):
        priv = rel.group_table("gender", metric).set_index("group")
        ref = exact.group_table("gender", metric).set_index("group")
        np.testing.assert_allclose(priv["n_noisy"], ref["n"], atol=1e-3)
        np.testing.assert_allclose(priv["mean"], ref["mean"], atol=1e-5)
        # only sampling is left: the parametric interval is as wide as the bootstrap's
        ratio = (priv["ci_hi"] - priv["ci_lo"]) / (ref["ci_hi"] - ref["ci_lo"])
        assert ((ratio > 0.8) & (ratio < 1.25)).all(), ratio
    gap = rel.gap("gender", "ndcg@10")
    assert gap["difference"] == pytest.approx(exact.gap("gender", "ndcg@10")["difference"],
                                              abs=1e-5)


def test_small_groups_are_suppressed_by_their_noisy_count(shop_ctx, shop_lists):
    rel = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=2, threshold=10_000)
    assert rel.groups["suppressed"].all() and rel.groups["mean"].isna().all()
    assert (rel.gaps["n_groups"] == 0).all()
    out = rel.to_dict()
    for groups in out["groups"].values():
        for entry in groups.values():
            assert set(entry) == {"suppressed", "n_noisy"} and entry["n_noisy"] is None
    default = private_release(shop_ctx, shop_lists, epsilon=1.0, seed=2)
    std = default.accounting.noise_std(default.accounting.query("gender", "count"))
    assert default.thresholds["gender"] == pytest.approx(10 + 2 * std)
    shown = default.groups[~default.groups["suppressed"]]
    assert (shown["n_noisy"] >= default.thresholds["gender"]).all()


def test_intersection_keys_are_every_combination(shop_split, shop_lists):
    ctx = AuditContext(shop_split.train, shop_split.test, k=10, groups=["gender", "region"])
    rel = private_release(ctx, shop_lists, epsilon=1.0, metrics=["ndcg"], seed=0)
    gender = next(g for g in ctx.groupings if g.attribute == "gender")
    region = next(g for g in ctx.groupings if g.attribute == "region")
    both = rel.groups[rel.groups["attribute"] == "gender & region"]
    assert list(both["group"]) == [f"{a} & {b}" for a in gender.labels for b in region.labels]
    assert rel.attributes == ("gender", "region", "gender & region")
    assert rel.epsilon == pytest.approx(1.0)


def test_private_metrics_json_holds_only_private_figures(shop_ctx, shop_lists):
    out = json.loads(json.dumps(private_release(shop_ctx, shop_lists, epsilon=1.0,
                                                seed=3).to_dict(), allow_nan=False))
    assert next(iter(out)) == "differentially_private" and out["differentially_private"] is True
    assert out["note"] == PRIVATE_NOTE
    assert set(out) == {"differentially_private", "note", "privacy", "k", "overall",
                        "overall_ci95", "n_users_noisy", "groups", "gaps"}
    assert out["privacy"]["epsilon"] == pytest.approx(1.0)
    assert "1/3" not in out["privacy"]["split"] and "3 attributes" in out["privacy"]["split"]
    assert sum(q["epsilon"] for q in out["privacy"]["queries"]) == pytest.approx(1.0)
    entry = out["groups"]["gender"][next(iter(out["groups"]["gender"]))]
    assert "n_users" not in entry and "n_noisy" in entry


def test_unbounded_metrics_are_refused(shop_ctx, shop_lists):
    with pytest.raises(PrivacyError, match="'novelty' has no bounded range"):
        private_release(shop_ctx, shop_lists, epsilon=1.0, metrics=["ndcg", "novelty"])


def test_named_attributes_only_and_their_budget(shop_ctx, shop_lists):
    rel = private_release(shop_ctx, shop_lists, epsilon=0.5, metrics=["ndcg"],
                          attributes=["region", "gender & region"], seed=0)
    assert rel.attributes == ("region", "gender & region")
    assert {q.grouping for q in rel.accounting.queries} == {"region", "gender & region"}
    assert rel.accounting.query("region", "count").scale == pytest.approx(1 / (0.5 * 0.5 * 0.25))
    with pytest.raises(PrivacyError, match="'occupation' is not audited"):
        private_release(shop_ctx, shop_lists, epsilon=1.0, attributes=["occupation"])
