"""Calibrated and MMR re-rankers: known answers and agreement with plain per-user computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import build_dataset, split_dataset
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking import CalibratedReranker, MMRReranker


def _kl(p, q, a=0.01):
    total = 0.0
    for pc, qc in zip(p, q, strict=True):
        if pc > 0:
            total += pc * np.log(pc / ((1 - a) * qc + a * pc))
    return total


def _tiny():
    """User u0's history: two A and two B items; candidates c0..c5 with A items scored highest."""
    items = pd.DataFrame(
        {
            "item_id": [f"h{i}" for i in range(4)] + [f"c{i}" for i in range(6)],
            "category": ["A", "A", "B", "B", "A", "A", "A", "A", "B", "B"],
        }
    )
    inter = pd.DataFrame(
        {"user_id": ["u0"] * 4 + ["u1"], "item_id": ["h0", "h1", "h2", "h3", "c0"]}
    )
    data = build_dataset("tiny", inter, items=items)
    cand_items = np.array([[4, 5, 6, 7, 8, 9]])
    cand = RankedLists([0], cand_items, [[6.0, 5.0, 4.0, 3.0, 2.0, 1.0]])
    return data, cand


def test_calibrated_balances_a_two_category_history():
    data, cand = _tiny()
    out = CalibratedReranker(lam=1.0).fit(data, cand).rerank(cand, 4)
    cats = data.items["category"].to_numpy()[out.items[0]]
    # p = (1/2, 1/2): the best 4-list has two of each, highest-scored first within a category
    assert sorted(cats) == ["A", "A", "B", "B"]
    assert out.items[0].tolist() == [4, 8, 5, 9]
    assert out.scores[0].tolist() == [6.0, 2.0, 5.0, 1.0]


def test_calibrated_greedy_step_matches_brute_force(small_shop, small_candidates):
    """At every position the chosen item maximises (1-lam) s + lam (-KL) over all remaining
    candidates, computed plainly per user."""
    train = small_shop.train
    lam = 0.6
    rr = CalibratedReranker(lam=lam).fit(train, small_candidates)
    out = rr.rerank(small_candidates, 5)
    cats = train.items["category"].to_numpy()
    names = sorted(set(cats))
    onehot = np.array([[c == n for n in names] for c in cats], dtype=float)
    for r in range(0, small_candidates.n_users, 7):
        u = small_candidates.users[r]
        hist = train.interactions.loc[train.interactions["user"] == u, "item"].to_numpy()
        p = onehot[hist].mean(axis=0)
        items = small_candidates.items[r]
        s = small_candidates.scores[r].astype(float)
        s = (s - s.min()) / (s.max() - s.min())
        chosen = []
        for _ in range(5):
            best, best_val = None, -np.inf
            for j, it in enumerate(items):
                if it in chosen:
                    continue
                q = onehot[[*chosen, it]].mean(axis=0)
                val = (1 - lam) * s[j] - lam * _kl(p, q)
                if val > best_val + 1e-12:
                    best, best_val = it, val
            chosen.append(best)
        assert out.items[r].tolist() == chosen


def test_calibrated_multi_valued_categories_spread_weight(ml100k, make_candidates):
    """With "|"-joined genres an item's weight is split evenly over its genres; the greedy
    choices agree with a plain per-user computation."""
    train = split_dataset(ml100k, method="random", test_size=0.2, seed=3).train
    cand = make_candidates(train, 30)
    lam = 0.7
    out = CalibratedReranker(lam=lam, attribute="categories").fit(train, cand).rerank(cand, 4)
    genres = sorted({g for c in train.items["categories"] for g in c.split("|") if g})
    dist = np.zeros((train.n_items, len(genres)))
    for j, c in enumerate(train.items["categories"]):
        gs = [g for g in c.split("|") if g]
        for g in gs:
            dist[j, genres.index(g)] = 1 / len(gs)
    for r in range(0, cand.n_users, 60):
        u = cand.users[r]
        p = dist[train.interactions.loc[train.interactions["user"] == u, "item"]].mean(axis=0)
        s = cand.scores[r].astype(float)
        s = (s - s.min()) / (s.max() - s.min())
        chosen = []
        for _ in range(4):
            vals = [
                -np.inf
                if it in chosen
                else (1 - lam) * s[j] - lam * _kl(p, dist[[*chosen, it]].mean(axis=0))
                for j, it in enumerate(cand.items[r])
            ]
            chosen.append(cand.items[r][int(np.argmax(vals))])
        assert out.items[r].tolist() == chosen


@pytest.mark.parametrize("lam", [0.0, 0.3, 1.0])
def test_mmr_known_answer(lam):
    data, cand = _tiny()
    out = MMRReranker(lam=lam).fit(data, cand).rerank(cand, 3)
    if lam == 0.0:
        assert out.items[0].tolist() == [4, 5, 6]
    elif lam == 0.3:
        # after c0 (A): A candidates pay 0.3 similarity, B's c4 (s=0.2) gets 0.7*0.2 = 0.14 vs
        # c1 (s=0.8): 0.7*0.8 - 0.3 = 0.26 -> c1; then c2 0.7*0.6-0.3=0.12 < c4 0.14 -> c4
        assert out.items[0].tolist() == [4, 5, 8]
    else:
        assert out.items[0].tolist() == [4, 8, 5]
