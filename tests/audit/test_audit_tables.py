"""Parity, exposure, popularity lift, each-group-vs-rest and the JSON form of a full audit, each
against a plain pandas computation on a small shop."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from fairrec_core.audit import AuditContext
from fairrec_core.ranking import RankedLists

K = 10


@pytest.fixture(scope="module")
def ctx(shop_split):
    return AuditContext(shop_split.train, shop_split.test, k=K)


@pytest.fixture(scope="module")
def result(ctx, shop_lists):
    return ctx.audit(shop_lists, n_bootstrap=200, n_permutations=200, seed=1)


@pytest.fixture(scope="module")
def slots(shop_split, shop_lists):
    """One row per recommended slot: user, rank, item and the user's / item's attributes."""
    top = shop_lists.top(K)
    rows, cols = np.nonzero(top.items >= 0)
    users, items = top.users[rows], top.items[rows, cols]
    data = shop_split.train
    return pd.DataFrame({
        "user": users, "rank": cols + 1, "item": items,
        "gender": data.users["gender"].astype(str).to_numpy()[users],
        "category": data.items["category"].astype(str).to_numpy()[items],
        "brand_tier": data.items["brand_tier"].astype(str).to_numpy()[items],
    })


def test_parity_against_pandas(shop_split, result, slots):
    rec = pd.crosstab(slots["gender"], slots["category"], normalize="index")
    train = shop_split.train
    inter = train.interactions
    hist = pd.DataFrame({
        "gender": train.users["gender"].astype(str).to_numpy()[inter["user"]],
        "category": train.items["category"].astype(str).to_numpy()[inter["item"]],
    })
    hist_share = pd.crosstab(hist["gender"], hist["category"], normalize="index")
    ours = result.parity_table("gender", "category")
    ours_hist = result.parity_table("gender", "category", "history_share")
    pd.testing.assert_frame_equal(ours.loc[rec.index, rec.columns], rec, check_names=False)
    pd.testing.assert_frame_equal(ours_hist.loc[rec.index, rec.columns], hist_share,
                                  check_names=False)
    bd = result.parity_table("gender", "category", "bias_disparity")
    np.testing.assert_allclose(bd.loc[rec.index, rec.columns], (rec - hist_share) / hist_share)
    # difference: the largest over categories of max - min share across genders
    summary = result.parity_gaps.set_index(["attribute", "item_attribute"])
    assert summary.loc[("gender", "category"), "difference"] == pytest.approx(
        (rec.max() - rec.min()).max())
    assert summary.loc[("gender", "category"), "ratio"] == pytest.approx(
        (rec.min() / rec.max()).min())
    # Jensen-Shannon divergence (bits) of each gender's mix from everyone's
    overall = slots["category"].value_counts(normalize=True).loc[rec.columns]
    js = result.parity_js.query("attribute == 'gender' and item_attribute == 'category'")
    for g, row in rec.iterrows():
        expected = jensenshannon(row.to_numpy(), overall.to_numpy(), base=2) ** 2
        assert js.set_index("group").loc[g, "js_divergence"] == pytest.approx(expected)
    assert set(result.parity_gaps["item_attribute"]) == {
        "category", "brand", "brand_tier", "price_band", "popularity_band"}


def test_exposure_against_plain_loops(shop_split, result, slots, shop_lists):
    w = 1 / np.log2(slots["rank"] + 1)
    by_tier = w.groupby(slots["brand_tier"]).sum() / w.sum()
    table = result.exposure.query("item_attribute == 'brand_tier'").set_index("value")
    for tier, share in by_tier.items():
        assert table.loc[tier, "exposure_share"] == pytest.approx(share)
    items = shop_split.train.items
    cat_share = items["brand_tier"].astype(str).value_counts(normalize=True)
    for tier, share in cat_share.items():
        assert table.loc[tier, "catalogue_share"] == pytest.approx(share)
    test = shop_split.test.interactions
    listed = test[test["user"].isin(shop_lists.users)]
    rel = items["brand_tier"].astype(str).to_numpy()[listed["item"]]
    for tier, share in pd.Series(rel).value_counts(normalize=True).items():
        assert table.loc[tier, "relevant_share"] == pytest.approx(share)
    per_item = result.item_exposure.set_index("item")
    per_slot = w.groupby(slots["item"]).sum()
    np.testing.assert_allclose(per_item.loc[per_slot.index, "exposure"], per_slot)
    assert per_item["exposure"].sum() == pytest.approx(w.sum())
    assert (per_item.loc[per_slot.index, "slots"] == slots["item"].value_counts()
            .loc[per_slot.index]).all()
    # the Lorenz curve ends at (1, 1), is convex, and its area gives the Gini
    lor = result.lorenz
    assert lor["exposure_share"].iloc[-1] == pytest.approx(1.0)
    assert (np.diff(lor["exposure_share"], 2) >= -1e-12).all()
    area = np.trapezoid(lor["exposure_share"], lor["item_share"])
    # sum (2i - n - 1) v_(i) / (n sum v) is exactly 1 - 2 x the trapezoid area under the curve
    assert result.overall[f"gini_exposure@{K}"] == pytest.approx(1 - 2 * area)


def test_popularity_lift_against_pandas(shop_split, result, shop_lists):
    train = shop_split.train
    counts = train.item_counts
    inter = train.interactions
    profile = pd.Series(counts[inter["item"]]).groupby(inter["user"].to_numpy()).mean()
    top = shop_lists.top(K)
    rec = pd.Series([counts[row[row >= 0]].mean() for row in top.items], index=top.users)
    gender = train.users["gender"].astype(str)
    pop = result.popularity.query("attribute == 'gender'").set_index("group")
    for g in gender.unique():
        users = top.users[gender.to_numpy()[top.users] == g]
        gp, gr = profile.loc[users].mean(), rec.loc[users].mean()
        assert pop.loc[g, "profile_popularity"] == pytest.approx(gp)
        assert pop.loc[g, "delta_gap"] == pytest.approx((gr - gp) / gp)


def test_vs_rest_against_pandas(result):
    users = result.users
    rest = result.vs_rest.query("attribute == 'region' and metric == 'ndcg@10'").set_index("group")
    for region, row in rest.iterrows():
        inside = users.loc[users["region"] == region, "ndcg"].mean()
        outside = users.loc[users["region"] != region, "ndcg"].mean()
        assert row["mean"] == pytest.approx(inside)
        assert row["rest_mean"] == pytest.approx(outside)
        assert row["difference"] == pytest.approx(inside - outside)
        assert row["ratio"] == pytest.approx(inside / outside)
        assert row["flag"] == (not 0.8 <= inside / outside <= 1.25)


def test_intervals_hold_the_means_and_are_reproducible(ctx, shop_lists, result):
    g = result.groups
    big = g[g["n"] >= 30]
    assert ((big["ci_lo"] <= big["mean"] + 1e-12) & (big["mean"] <= big["ci_hi"] + 1e-12)).all()
    assert (big["ci_hi"] > big["ci_lo"]).mean() > 0.9
    again = ctx.audit(shop_lists, n_bootstrap=200, n_permutations=200, seed=1)
    pd.testing.assert_frame_equal(again.groups, result.groups)
    pd.testing.assert_frame_equal(again.gaps, result.gaps)
    other = ctx.audit(shop_lists, n_bootstrap=200, n_permutations=0, seed=2)
    assert not np.allclose(other.groups["ci_lo"], result.groups["ci_lo"], equal_nan=True)
    assert other.gaps["p_value"].isna().all()
    # the fast summary and the full audit agree on everything they share
    s = ctx.summarize(shop_lists)
    pd.testing.assert_series_equal(s.overall, result.overall)
    pd.testing.assert_frame_equal(s.gaps, result.gaps[list(s.gaps.columns)])
    full = result.parity_gaps.set_index(["attribute", "item_attribute"])
    fast = s.parity.set_index(["attribute", "item_attribute"])
    assert list(fast.index) == list(full.index)
    np.testing.assert_allclose(fast["difference"], full["difference"])
    np.testing.assert_allclose(fast["ratio"], full["ratio"])
    values = result.parity_values.set_index(["attribute", "item_attribute", "value"])["difference"]
    for (attr, item_attr), row in fast.iterrows():
        assert values.loc[(attr, item_attr, row["value"])] == pytest.approx(row["difference"])


def test_to_dict_is_the_metrics_json(result):
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert d["k"] == K
    for m in ("ndcg", "recall", "precision", "hit_rate", "mrr", "map", "ild", "novelty", "arp",
              "aplt", "calibration_kl", "coverage", "gini_exposure"):
        assert d["overall"][f"{m}@{K}"] == pytest.approx(result.overall[f"{m}@{K}"])
    assert set(d["groups"]) >= {"gender", "age_group", "region", "gender & region"}
    f = d["groups"]["gender"]["F"]
    row = result.group_table("gender", "ndcg@10").set_index("group").loc["F"]
    assert f["n_users"] == row["n_users"] and f["ndcg@10"] == pytest.approx(row["mean"])
    assert f["ndcg@10_ci95"] == pytest.approx([row["ci_lo"], row["ci_hi"]])
    gap = d["gaps"]["gender"]["ndcg@10"]
    assert set(gap) >= {"difference", "ratio", "p_value", "flag", "vs_rest"}
    assert gap["p_value"] == pytest.approx(result.gap("gender", "ndcg@10")["p_value"])
    parity = d["parity"]["gender"]["category"]
    assert set(parity) >= {"difference", "ratio", "js_divergence", "by_value"}
    by_value = parity["by_value"]
    assert parity["difference"] == pytest.approx(max(v["difference"] for v in by_value.values()))
    shares = [v["recommended"]["F"] for v in by_value.values()]
    assert sum(shares) == pytest.approx(1.0)
    lorenz = d["exposure"]["lorenz"]
    assert len(lorenz["item_share"]) == 101 and lorenz["exposure_share"][-1] == pytest.approx(1)
    assert set(d["popularity"]["delta_gap"]["gender"]) == {"F", "M", "U"}
    assert math.isfinite(d["popularity"]["overall"]["delta_gap"])


def test_no_groups_and_no_lists(shop_split, shop_lists, result):
    ctx = AuditContext(shop_split.train, shop_split.test, k=K, groups=[])
    bare = ctx.audit(shop_lists, n_bootstrap=20, n_permutations=20)
    pd.testing.assert_series_equal(bare.overall, result.overall)  # groups change no overall figure
    assert bare.groups.empty and bare.gaps.empty and bare.parity.empty
    assert list(bare.parity_gaps.columns) == list(result.parity_gaps.columns)
    json.dumps(bare.to_dict(), allow_nan=False)
    empty = RankedLists(np.zeros(0, dtype=np.int64), np.zeros((0, K), dtype=np.int64),
                        np.zeros((0, K)))
    s = AuditContext(shop_split.train, shop_split.test, k=K).summarize(empty)
    assert s.overall[f"coverage@{K}"] == 0 and np.isnan(s.overall[f"ndcg@{K}"])
    assert (s.groups["n_users"] == 0).all()
