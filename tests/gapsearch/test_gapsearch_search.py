"""The gap search on the demo shop: every figure it reports is the audit's figure of the same
lists recomputed independently; its choice is the cheapest evaluated setting that meets the
target; strength 0 is the model; an unreachable target is reported as such."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from fairrec_core.errors import DataError
from fairrec_core.gapsearch import GapTarget, search_gap
from fairrec_core.reranking import RERANKERS, parse_rerank
from tests.gapsearch.conftest import independent_gap

N = 60  # resamples for the shortlist's intervals (quick; the audit page uses 1,000)


@pytest.fixture(scope="module")
def model_gap(shop_pipeline):
    ctx, cands = shop_pipeline
    return float(ctx.summarize(cands.top(10)).gap("gender", "ndcg@10")["difference"])


@pytest.fixture(scope="module")
def reachable(shop_pipeline, model_gap):
    """Target: 85% of the model's gap (the demo shop's gender gap can be narrowed that far)."""
    ctx, cands = shop_pipeline
    return search_gap(ctx, cands, GapTarget("gender", "ndcg", max_gap=0.85 * model_gap),
                      n_resamples=N)


def test_every_reported_gap_is_the_audits_gap_of_the_same_lists(shop_pipeline, reachable):
    ctx, cands = shop_pipeline
    rows = reachable.table[reachable.table["reranker"] != ""]
    # every re-ranker of the menu was tried (the demo shop has gender, category, popularity)
    assert set(rows["reranker"]) == set(RERANKERS)
    fitted = {}
    for _, row in rows.iterrows():  # every setting: parsed from its spec, re-ranked, audited
        reranker = parse_rerank(row["setting"])
        if row["reranker"] not in fitted:  # one fit per re-ranker (its fit-time parameters)
            fitted[row["reranker"]] = parse_rerank(row["setting"]).fit(ctx.train, cands)
        at = copy.copy(fitted[row["reranker"]]).set_params(**reranker.get_params())
        summary = ctx.summarize(at.rerank(cands, 10))
        gap = summary.gap("gender", "ndcg@10")
        assert row["gap"] == pytest.approx(gap["difference"], abs=1e-12), row["setting"]
        assert row["ratio"] == pytest.approx(gap["ratio"], abs=1e-12)
        assert row["accuracy"] == pytest.approx(summary.overall["ndcg@10"], abs=1e-12)
        assert row["cost"] == pytest.approx(reachable.model["accuracy"] - row["accuracy"])


def test_shortlist_intervals_are_the_full_audits(shop_pipeline, reachable):
    ctx, cands = shop_pipeline
    assert len(reachable.shortlist) == 3  # the best setting of three re-rankers
    assert reachable.shortlist["reranker"].is_unique
    for _, row in reachable.shortlist.iterrows():
        lists, _ = independent_gap(ctx, cands, row["setting"], "gender", "ndcg@10")
        full = ctx.audit(lists, n_bootstrap=N, n_permutations=N, seed=0).gap("gender", "ndcg@10")
        assert (row["ci_lo"], row["ci_hi"]) == pytest.approx((full["ci_lo"], full["ci_hi"]))
        assert row["p_value"] == pytest.approx(full["p_value_pair"])  # agrees with the interval
        assert row["ci_lo"] <= row["gap"] <= row["ci_hi"]
        assert full["difference"] == pytest.approx(row["gap"], abs=1e-12)
    # cheapest first, each the least-cost setting of its re-ranker that meets the target
    assert reachable.shortlist["cost"].is_monotonic_increasing
    for _, row in reachable.shortlist.iterrows():
        own = reachable.table[(reachable.table["reranker"] == row["reranker"])
                              & reachable.table["meets"]]
        assert row["cost"] == own["cost"].min()


def test_chosen_setting_meets_and_no_cheaper_evaluated_setting_does(reachable, model_gap):
    assert reachable.met and not reachable.model_meets
    chosen = reachable.chosen
    assert chosen["gap"] <= 0.85 * model_gap and chosen["meets"]
    table = reachable.table
    cheaper = table[table["accuracy"] > chosen["accuracy"]]
    assert len(cheaper) > 0 and not cheaper["meets"].any()
    # its spec parses back to the very strength and parameters evaluated
    parsed = parse_rerank(chosen["setting"])
    assert parsed.get_params() == json.loads(chosen["params"])
    # Pareto: the chosen setting is not beaten on both gap and accuracy by any evaluated one
    beaten = (table["gap"] < chosen["gap"]) & (table["accuracy"] > chosen["accuracy"])
    assert not beaten.any()
    assert "meets the target" in reachable.sentence()


def test_strength_zero_is_the_model(shop_pipeline, reachable):
    ctx, cands = shop_pipeline
    zero = reachable.table[(reachable.table["strength"] == 0)]
    assert len(zero) == len(RERANKERS) + 1  # every re-ranker's 0, and the model's own row
    assert np.allclose(zero["gap"], reachable.model["gap"], rtol=0, atol=1e-15)
    assert np.allclose(zero["accuracy"], reachable.model["accuracy"], rtol=0, atol=1e-15)
    assert (zero["cost"].abs() < 1e-15).all()
    lists, _ = independent_gap(ctx, cands, zero.iloc[1]["setting"], "gender", "ndcg@10")
    assert np.array_equal(lists.items, cands.top(10).items)


def test_refinement_finds_a_strength_between_grid_points(reachable):
    refined = reachable.table[reachable.table["source"] == "refined"]
    assert len(refined) > 0
    grid = np.linspace(0, 1, 11)
    assert not np.isclose(refined["strength"].to_numpy()[:, None], grid[None, :]).any(axis=1).all()
    # for each re-ranker that meets the target, the least strength that meets lies just above
    # one that does not (within the last bisection step)
    for name, rows in reachable.table[reachable.table["meets"]].groupby("reranker"):
        least = rows["strength"].min()
        below = reachable.table[(reachable.table["reranker"] == name)
                                & (reachable.table["strength"] < least)]
        if len(below):
            assert least - below["strength"].max() <= 0.1 / 2 ** 5 + 1e-9, name


def test_unreachable_target_is_reported_with_the_closest(shop_pipeline):
    ctx, cands = shop_pipeline
    result = search_gap(ctx, cands, GapTarget("gender", "ndcg", max_gap=0.0), n_resamples=N)
    assert not result.met and result.chosen is None
    closest = result.closest
    assert closest["gap"] == pytest.approx(result.table["gap"].min())
    text = result.sentence()
    assert text.startswith("No setting meets the target") and closest["title"] in text
    assert result.to_dict()["chosen"] is None
    # the shortlist is then each re-ranker's closest setting, with its interval
    assert result.shortlist["gap"].iloc[0] == pytest.approx(closest["gap"])
    assert result.shortlist[["ci_lo", "ci_hi"]].notna().all().all()


def test_ratio_target(shop_pipeline):
    ctx, cands = shop_pipeline
    model = ctx.summarize(cands.top(10)).gap("gender", "ndcg@10")
    want = float(model["ratio"]) + 0.02
    result = search_gap(ctx, cands, GapTarget("gender", "ndcg", min_ratio=want), n_best=1,
                        n_resamples=N)
    met = result.table[result.table["meets"]]
    assert (met["ratio"] >= want).all() and (result.table[~result.table["meets"]]["ratio"]
                                             < want).all()
    if result.met:
        assert result.chosen["accuracy"] == met["accuracy"].max()


def test_bad_targets_are_one_line_errors(shop_pipeline):
    ctx, cands = shop_pipeline
    with pytest.raises(DataError, match="unknown metric"):
        GapTarget("gender", "accuracy", max_gap=0.1)
    with pytest.raises(DataError, match="exactly one target"):
        GapTarget("gender", "ndcg")
    with pytest.raises(DataError, match="not audited"):
        search_gap(ctx, cands, GapTarget("shoe_size", "ndcg", max_gap=0.1))
