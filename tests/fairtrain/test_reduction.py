"""fairlearn's ExponentiatedGradient with BoundedGroupLoss around ALS (issue 11): samples are
users, their weights become interaction weights, the loss is 1 - NDCG@10 on held-out items."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import build_dataset
from fairrec_core.errors import ModelError
from fairrec_core.fairtrain._reduction import reduction_fit, user_loss
from fairrec_core.models import ALS, SASRec


def planted(seed: int = 0):
    """30 users of group A (F) who pick items 0-29 four times as often as the others, 120 of
    group B (M) who favour items 30-59; 15 interactions each out of 80 items."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(150):
        pref = np.ones(80)
        pref[slice(0, 30) if u < 30 else slice(30, 60)] = 4.0
        for i in rng.choice(80, 15, replace=False, p=pref / pref.sum()):
            rows.append((f"u{u}", f"i{i}", 1.0, len(rows)))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "timestamp"])
    users = pd.DataFrame({"user_id": [f"u{u}" for u in range(150)],
                          "gender": ["F"] * 30 + ["M"] * 120})
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(80)], "category": "c"})
    return build_dataset("planted", inter, users=users, items=items)


MAKE = functools.partial(ALS, factors=2, iterations=4, validation=0.0, reg=5.0)


@pytest.fixture(scope="module")
def result():
    return reduction_fit(MAKE, planted(), "gender", max_iter=4)


def test_the_worst_group_loss_is_no_worse_than_the_plain_models(result):
    assert result.plain_loss.idxmax() == "F"  # the minority is served worse
    assert result.mixture_loss.max() <= result.plain_loss.max() + 1e-9
    assert result.bound == pytest.approx(float(
        np.average(result.plain_loss, weights=[30, 120])), abs=0.05)


def test_the_mixture_is_a_distribution_over_models_with_mean_one_user_weights(result):
    assert len(result.models) == len(result.weights) == len(result.user_weights) >= 1
    assert result.weights.sum() == pytest.approx(1.0) and (result.weights > 0).all()
    for w in result.user_weights:
        assert w.mean() == pytest.approx(1.0)
    # the minority's users are weighted up in the model fairlearn trusts most
    best = result.user_weights[int(np.argmax(result.weights))]
    assert best[:30].mean() > best[30:].mean()


def test_user_loss_is_one_minus_ndcg_against_a_direct_count():
    data = planted()
    model = MAKE().fit(data)
    users = np.arange(10)
    # held-out = each user's first interaction: 1 - 1/log2(rank + 1) if listed, else 1
    first = data.interactions.groupby("user").head(1)
    val = data.with_interactions(first)
    items, _ = model.recommend(users, 10, exclude_seen=False)
    expected = []
    for u, row in zip(users, items, strict=True):
        target = int(first[first["user"] == u]["item"].iloc[0])
        hit = np.flatnonzero(row == target)
        expected.append(1.0 - (1.0 / np.log2(hit[0] + 2) if len(hit) else 0.0))
    got = user_loss(_unseen(model), users, val)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def _unseen(model):
    """The model with no seen items, so its lists may contain the held-out item."""
    model.seen_indptr_ = np.zeros_like(model.seen_indptr_)
    model.seen_indices_ = model.seen_indices_[:0]
    return model


def test_a_model_without_weights_is_refused():
    with pytest.raises(ModelError, match="sasrec.*does not take interaction weights"):
        reduction_fit(SASRec, planted(), "gender")
