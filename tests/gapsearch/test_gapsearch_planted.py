"""A planted case on the synthetic shop whose answer is known: the target is the gap that the
user-group re-ranker reaches at strength 0.55 (computed here independently) — a strength that
is not a grid point but the first bisection point between 0.5 and 0.6. The user-group
re-ranker's gap falls with its strength on this data (checked), and every other re-ranker
costs more accuracy for that gap, so the answer is that re-ranker at exactly 0.55."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.gapsearch import GapTarget, applicable, search_gap
from tests.gapsearch.conftest import independent_gap

PLANTED = "ugf:user_attr=gender,lambda=0.55"


def test_planted_strength_is_found(shop_pipeline):
    ctx, cands = shop_pipeline
    _, summary = independent_gap(ctx, cands, PLANTED, "gender", "ndcg@10")
    target = float(summary.gap("gender", "ndcg@10")["difference"])
    # premise: the gap falls with the strength around the planted point
    gaps = [independent_gap(ctx, cands, f"ugf:user_attr=gender,lambda={s}", "gender",
                            "ndcg@10")[1].gap("gender", "ndcg@10")["difference"]
            for s in (0.5, 0.525, 0.55, 0.6)]
    assert np.all(np.diff(gaps) < 0), gaps
    result = search_gap(ctx, cands, GapTarget("gender", "ndcg", max_gap=target), n_best=1,
                        n_resamples=30)
    chosen = result.chosen
    assert chosen["reranker"] == "ugf" and chosen["strength"] == pytest.approx(0.55, abs=1e-12)
    assert chosen["gap"] == pytest.approx(target, abs=1e-12)
    assert chosen["source"] == "refined"
    assert chosen["accuracy"] == pytest.approx(summary.overall["ndcg@10"], abs=1e-12)


def test_user_attribute_rerankers_get_the_gap_attribute(shop_pipeline):
    ctx, cands = shop_pipeline
    fitted, skipped = applicable(ctx.train, cands, "age_group")
    assert fitted["ugf"].user_attr == "age_group" and fitted["parity"].user_attr == "age_group"
    assert not skipped
    fitted, skipped = applicable(ctx.train, cands, "gender & age_group")
    assert "ugf" in skipped and "parity" in skipped and "calibrated" in fitted
