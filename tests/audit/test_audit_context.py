"""AuditContext on a four-user shop small enough to check every number by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.data import build_dataset
from fairrec_core.errors import DataError
from fairrec_core.ranking import RankedLists

PAD = -1
# items a..e -> 0..4 with categories X, Y, X, Z, Y; users u1..u4 -> 0..3 (F, M, F, M)
TRAIN = [("u1", "a"), ("u1", "b"), ("u2", "c"), ("u3", "a"), ("u4", "a"), ("u4", "c")]
TEST = [("u1", "d"), ("u2", "a"), ("u2", "e"), ("u4", "b")]


@pytest.fixture(scope="module")
def tiny():
    pairs = TRAIN + TEST
    inter = pd.DataFrame({"user_id": [u for u, _ in pairs], "item_id": [i for _, i in pairs],
                          "timestamp": np.arange(len(pairs))})
    users = pd.DataFrame({"user_id": ["u1", "u2", "u3", "u4"], "gender": ["F", "M", "F", "M"],
                          "region": ["N", "N", "S", "S"]})
    items = pd.DataFrame({"item_id": list("abcde"), "category": ["X", "Y", "X", "Z", "Y"],
                          "brand_tier": ["small", "large", "large", "small", "large"]})
    data = build_dataset("tiny", inter, users=users, items=items)
    is_test = (data.interactions["timestamp"] >= len(TRAIN)).to_numpy()  # rows are re-ordered
    train = data.with_interactions(data.interactions[~is_test])
    test = data.with_interactions(data.interactions[is_test])
    return train, test


@pytest.fixture(scope="module")
def ctx(tiny):
    train, test = tiny
    return AuditContext(train, test, k=2, groups=["gender", "region"], min_group_size=1)


def lists_of(rows):
    items = np.array(rows)
    return RankedLists(np.arange(len(rows)), items, np.where(items >= 0, 1.0, -np.inf))


# u1: [d, c]  u2: [e, b]  u3: [b, d]  u4: [d, e]
LISTS = [[3, 2], [4, 1], [1, 3], [3, 4]]


def test_user_metrics_by_hand(ctx):
    f = ctx.user_metrics(lists_of(LISTS)).set_index("user_id")
    nan = float("nan")
    ndcg_u2 = 1 / (1 + 1 / math.log2(3))
    expected = {
        #        precision recall ndcg  hit  mrr  map
        "u1": [0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
        "u2": [0.5, 0.5, ndcg_u2, 1.0, 1.0, 0.5],
        "u3": [nan] * 6,  # no test items
        "u4": [0.0] * 6,
    }
    acc = ["precision", "recall", "ndcg", "hit_rate", "mrr", "map"]
    for user, row in expected.items():
        assert f.loc[user, acc].tolist() == pytest.approx(row, nan_ok=True)
    assert f["n_test"].tolist() == [1, 2, 0, 1]
    # categories: d=Z, c=X | e=Y, b=Y | b=Y, d=Z | d=Z, e=Y
    assert f["ild"].tolist() == [1.0, 0.0, 1.0, 1.0]
    # training counts a=3, b=1, c=2, d=0, e=0 over 4 users; unseen items count as seen once
    assert f["arp"].tolist() == pytest.approx([1.0, 0.5, 0.5, 0.0])
    nov = {"b": 2.0, "c": 1.0, "d": 2.0, "e": 2.0}
    assert f["novelty"].tolist() == pytest.approx(
        [(nov["d"] + nov["c"]) / 2, 2.0, 2.0, 2.0])
    # head = {a} (3 of 6 training interactions >= 20%): no list holds it
    assert f["aplt"].tolist() == [1.0] * 4
    # u1's history {a: X, b: Y}; list {d: Z, c: X}: q~ = .99 (.5, 0, .5) + .01 (.5, .5, 0)
    kl_u1 = 0.5 * math.log(0.5 / 0.5) + 0.5 * math.log(0.5 / 0.005)
    assert f.loc["u1", "calibration_kl"] == pytest.approx(kl_u1)
    # u3's history {a: X}; list {b: Y, d: Z}: q~(X) = 0.01
    assert f.loc["u3", "calibration_kl"] == pytest.approx(math.log(1 / 0.01))


def test_summary_by_hand(ctx):
    s = ctx.summarize(lists_of(LISTS))
    f = ctx.user_metrics(lists_of(LISTS))
    ndcg_u2 = 1 / (1 + 1 / math.log2(3))
    assert s.overall["ndcg@2"] == pytest.approx((1 + ndcg_u2 + 0) / 3)  # u3 left out
    assert s.overall["ild@2"] == pytest.approx(0.75)
    assert s.overall["coverage@2"] == pytest.approx(4 / 5)  # a is never recommended
    assert s.n_users == 4 and s.n_evaluated == 3
    assert any("1 listed users have no test items" in n for n in s.notes)
    g = s.group_table("gender", "ndcg@2").set_index("group")
    assert g.loc["F", "mean"] == 1.0 and g.loc["F", "n"] == 1 and g.loc["F", "n_users"] == 2
    assert g.loc["M", "mean"] == pytest.approx(ndcg_u2 / 2)
    gap = s.gap("gender", "ndcg@2")
    assert gap["difference"] == pytest.approx(1 - ndcg_u2 / 2)
    assert gap["ratio"] == pytest.approx(ndcg_u2 / 2)
    assert bool(gap["flag"]) and gap["max_group"] == "F" and gap["min_group"] == "M"
    # intersections: gender & region has four one-user groups
    x = s.group_table("gender & region")
    assert list(x.index) == ["F & N", "F & S", "M & N", "M & S"]
    by_user = f.set_index("user_id")["ild"]
    assert x["ild@2"].tolist() == by_user.loc[["u1", "u3", "u2", "u4"]].tolist()
    assert s.attributes == ["gender", "region", "gender & region"]


def test_exposure_gini_by_hand(ctx):
    s = ctx.summarize(lists_of(LISTS))
    w = 1 / math.log2(3)
    exposure = np.array([0.0, w + 1, w, 1 + 1 + w, 1 + w])  # a, b, c, d, e
    v = np.sort(exposure)
    n = len(v)
    gini = ((2 * np.arange(1, n + 1) - n - 1) * v).sum() / (n * v.sum())
    assert s.overall["gini_exposure@2"] == pytest.approx(gini)


def test_short_lists_are_padded_to_k(ctx):
    f = ctx.user_metrics(lists_of([[3, PAD], [PAD, PAD], [1, 3], [3, 4]]))
    assert f["precision"].iloc[0] == 0.5  # one hit / k
    assert np.isnan(f["ild"].iloc[0]) and np.isnan(f["arp"].iloc[1])
    assert f["recall"].iloc[1] == 0.0


def test_only_the_first_k_ranks_count(ctx):
    long = lists_of([[2, 1, 3], [4, 1, 0], [1, 3, 0], [3, 4, 0]])
    f = ctx.user_metrics(long)
    assert f["hit_rate"].iloc[0] == 0.0  # d (a hit) at rank 3 is outside k = 2


@pytest.mark.parametrize(
    ("users", "items", "message"),
    [
        ([0, 9], [[0, 1], [1, 2]], "user indices outside 0..3"),
        ([0, 1], [[0, 7], [1, 2]], "item indices outside 0..4"),
        ([1, 1], [[0, 2], [1, 2]], "a user has more than one list"),
    ],
)
def test_bad_lists(ctx, users, items, message):
    bad = RankedLists(np.array(users), np.array(items), np.zeros((2, 2)))
    with pytest.raises(DataError, match=message):
        ctx.summarize(bad)


def test_bad_context(tiny):
    train, test = tiny
    with pytest.raises(DataError, match="unknown user attribute 'income'; available: gender"):
        AuditContext(train, test, groups=["gender", "income"])
    with pytest.raises(DataError, match="k must be at least 1"):
        AuditContext(train, test, k=0)
