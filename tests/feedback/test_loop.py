"""The loop's known answers and invariants: rich-get-richer under a popularity model, the
deterministic choice limit, reproducibility, stopping, and each round's figures against an
independent computation with the project's metric functions on the same lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from fairrec_core.audit import user_groupings
from fairrec_core.feedback import ChoiceModel, simulate
from fairrec_core.metrics import (
    average_popularity,
    calibration_kl,
    category_matrix,
    coverage,
    gini,
    history_distribution,
    item_exposure,
    list_distribution,
)
from fairrec_core.models import Popularity, top_n


def _value(result, metric, round_, seed=0, attribute="all", group="all"):
    t = result.table
    row = t[(t["metric"] == metric) & (t["round"] == round_) & (t["seed"] == seed)
            & (t["attribute"] == attribute) & (t["group"] == group)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_popularity_model_concentrates_the_data_round_after_round(popularity_run):
    """Rich get richer: users choose from the most popular unseen items, so the Gini of the
    training interactions per item rises in every round, for every seed; the average
    popularity of what is listed rises from round 0 to the last."""
    for seed in (0, 1):
        g = [_value(popularity_run, "data_gini", r, seed) for r in range(7)]
        assert all(b > a for a, b in zip(g, g[1:], strict=False)), g
        assert _value(popularity_run, "popularity", 6, seed) > \
            _value(popularity_run, "popularity", 0, seed)


def test_table_shape_and_groups(popularity_run, shop):
    t = popularity_run.table
    assert list(t.columns) == ["arm", "seed", "round", "attribute", "group", "metric", "value"]
    assert set(t["round"]) == set(range(7)) and set(t["seed"]) == {0, 1}
    assert not popularity_run.stopped
    genders = set(t.loc[t["attribute"] == "gender", "group"])
    assert genders == {"F", "M"}  # the demo's unspecified "U" is left out, as in the audit's gaps
    assert set(t["attribute"]) == {"all", "gender", "age_group", "region"}
    # one row per seed, round, group and metric
    assert not t.duplicated(["seed", "round", "attribute", "group", "metric"]).any()


def test_best_listed_item_without_position_bias_or_noise(shop, truth):
    """Bias 0, temperature 0, no outside option, budget 1: each user's chosen utility is the
    best true utility on the list (round 0 lists of a popularity model, recomputed here)."""
    choice = ChoiceModel(position_bias=0.0, temperature=0.0, budget=1, outside=None)
    result = simulate(shop, truth, model="popularity", rounds=0, seeds=(0,), k=10,
                      choice=choice)
    lists = top_n(Popularity().fit(shop), np.arange(shop.n_users), 10)
    best = truth.utilities[lists.users[:, None], lists.items].max(axis=1)
    assert _value(result, "chosen_utility", 0) == pytest.approx(best.mean(), rel=1e-6)
    assert _value(result, "choices", 0) == 1.0


def test_same_seed_repeats_exactly_and_other_seeds_differ(shop, truth, popularity_run):
    again = simulate(shop, truth, model="popularity", rounds=6, seeds=(0, 1), k=10)
    pd.testing.assert_frame_equal(again.table, popularity_run.table)
    t = popularity_run.table
    chosen = t[(t["metric"] == "chosen_utility") & (t["attribute"] == "all")]
    a = chosen[chosen["seed"] == 0]["value"].to_numpy()
    b = chosen[chosen["seed"] == 1]["value"].to_numpy()
    assert not np.allclose(a, b)


def test_stopping_keeps_the_finished_rounds(shop, truth, popularity_run):
    seen = []
    result = simulate(shop, truth, model="popularity", rounds=6, seeds=(0, 1), k=10,
                      progress=seen.append, should_stop=lambda: len(seen) >= 3)
    assert result.stopped
    assert [(r.seed, r.round, r.done, r.total) for r in seen] == [(0, 0, 1, 14), (0, 1, 2, 14),
                                                                  (0, 2, 3, 14)]
    full = popularity_run.table
    kept = full[(full["seed"] == 0) & (full["round"] <= 2)].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.table, kept)
    assert result.to_dict()["rounds_done"] == 3


def test_round_figures_equal_the_metric_functions_on_the_same_lists(shop, truth):
    """Rounds 0 and 1 of a popularity run recomputed: round 1 trains on the data plus the round-0
    choices (drawn with the seed's generator from the same lists)."""
    choice = ChoiceModel(position_bias=1.0, temperature=0.5, budget=2, outside=-0.5)
    result = simulate(shop, truth, model="popularity", rounds=1, seeds=(4,), k=10, choice=choice)
    rng = np.random.default_rng(4)
    users = np.arange(shop.n_users)
    train = shop
    cats = category_matrix(shop.items["category"])[1]
    profile = history_distribution(shop, cats)
    female = user_groupings(shop, ["gender"], intersections=False)[0]
    f_mask = female.codes == female.labels.index("F")
    for r in (0, 1):
        lists = top_n(Popularity().fit(train), users, 10)
        items = lists.items
        for group, mask in (("all", np.ones(shop.n_users, bool)), ("F", f_mask)):
            attribute = "all" if group == "all" else "gender"
            want = {
                "popularity": average_popularity(items[mask], train.item_counts).mean(),
                "gini": gini(item_exposure(items[mask], shop.n_items)),
                "coverage": coverage(items[mask], shop.n_items),
                "miscalibration": calibration_kl(profile[mask],
                                                 list_distribution(items[mask], cats)).mean(),
                "utility": truth.utilities[users[mask][:, None], items[mask]].astype(float).mean(),
            }
            for metric, value in want.items():
                assert _value(result, metric, r, 4, attribute, group) == \
                    pytest.approx(value, rel=1e-9), (r, group, metric)
        true = truth.utilities[users[:, None], items]
        rows, picked = choice.choose(items, true, rng)
        assert _value(result, "choices", r, 4) == pytest.approx(len(rows) / shop.n_users)
        assert _value(result, "chosen_utility", r, 4) == pytest.approx(np.mean(
            [truth.utilities[u, picked[rows == u]].mean() for u in np.unique(rows)]), rel=1e-9)
        extra = pd.DataFrame({"user": rows, "item": picked, "value": 1.0, "timestamp": 0})
        train = shop.with_interactions(pd.concat(
            [train.interactions[["user", "item", "value", "timestamp"]], extra],
            ignore_index=True))


def test_ndcg_and_homogenisation_against_loops(shop, truth):
    """NDCG against each user's 10 best unseen items by true utility, and the mean Jaccard of
    two users' lists, written as plain loops over users and pairs."""
    result = simulate(shop, truth, model="popularity", rounds=0, seeds=(0,), k=10)
    lists = top_n(Popularity().fit(shop), np.arange(shop.n_users), 10)
    seen = sp.csr_matrix(shop.matrix)
    disc = 1 / np.log2(np.arange(2, 12))
    scores = []
    for u in range(shop.n_users):
        unseen = np.setdiff1d(np.arange(shop.n_items), seen[u].indices)
        ideal = set(unseen[np.argsort(-truth.utilities[u, unseen], kind="stable")[:10]])
        dcg = sum(disc[j] for j, i in enumerate(lists.items[u]) if i in ideal)
        scores.append(dcg / disc[: min(10, len(unseen))].sum())
    assert _value(result, "ndcg", 0) == pytest.approx(np.mean(scores), rel=1e-9)
    sets = [set(row) for row in lists.items]
    jac = [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1:]]
    assert _value(result, "list_similarity", 0) == pytest.approx(np.mean(jac), rel=1e-9)


def test_identity_reranker_equals_no_reranking(shop, truth, popularity_run):
    """Calibrated re-ranking at lambda 0 leaves every list alone: the same table."""
    result = simulate(shop, truth, model="popularity", rounds=6, seeds=(0, 1), k=10,
                      rerank=["calibrated:lambda=0"], candidates=30)
    assert result.arm.startswith("calibrated:lambda=0")
    pd.testing.assert_frame_equal(result.table.drop(columns="arm"),
                                  popularity_run.table.drop(columns="arm"))
