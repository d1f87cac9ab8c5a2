"""Known answers: synthetic data whose right recommendations are known, and each model's maths
against a plain, independent computation on tiny data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import build_dataset
from fairrec_core.models import ALS, BPR, EASE, MODELS, ItemKNN, Popularity, UserKNN
from fairrec_core.models._als import _solve_side

N_USERS, N_ITEMS = 60, 40


def checkerboard():
    """Users and items in two halves (even / odd index): each user has most of the items of
    their own half and none of the other's. Right answer: the unseen items of the own half."""
    rows = []
    for u in range(N_USERS):
        for i in range(N_ITEMS):
            if u % 2 == i % 2 and (u + i) % 5 != 0:
                rows.append((f"u{u:03d}", f"i{i:03d}", 1.0, u * 1000 + i))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "timestamp"])
    users = pd.DataFrame({"user_id": [f"u{u:03d}" for u in range(N_USERS)],
                          "gender": np.where(np.arange(N_USERS) % 3 == 0, "F", "M")})
    items = pd.DataFrame({"item_id": [f"i{i:03d}" for i in range(N_ITEMS)],
                          "category": np.where(np.arange(N_ITEMS) % 4 < 2, "A", "B")})
    return build_dataset("checkerboard", inter, users=users, items=items)


@pytest.fixture(scope="module")
def board():
    return checkerboard()


def half(data, indices) -> np.ndarray:
    """0 or 1: the half of each user or item (parsed from the original id)."""
    return np.array([int(x[1:]) % 2 for x in indices])


#: Enough training for the iterative models to learn the two blocks.
BOARD_PARAMS = {
    "itemknn": {"neighbors": 10},
    "userknn": {"neighbors": 10},
    "ease": {"l2": 1.0},
    "als": {"factors": 4, "reg": 0.1, "iterations": 10, "validation": 0.0},
    "bpr": {"factors": 4, "epochs": 40, "lr": 0.05, "reg": 0.0, "validation": 0.0, "batch_size": 256},
    "twotower": {"dim": 8, "epochs": 40, "lr": 0.01, "weight_decay": 0.0, "validation": 0.0,
                 "batch_size": 256},
}


@pytest.mark.parametrize("name", list(BOARD_PARAMS))
def test_checkerboard_recommends_the_own_half(name, board):
    model = MODELS[name](**BOARD_PARAMS[name]).fit(board)
    users = np.arange(board.n_users)
    user_half = half(board, board.user_vocab.lookup(users))
    n_unseen_own = N_ITEMS // 2 - board.user_counts  # own-half items the user has not seen
    k = int(n_unseen_own.min())
    items, _ = model.recommend(users, k)
    item_half = half(board, board.item_vocab.lookup(items.ravel())).reshape(items.shape)
    assert (item_half == user_half[:, None]).all(), name


def ring_sequences():
    """Every user walks a ring of 20 items, 12 steps from their own start: the next item is
    always the successor of the latest one."""
    rows = []
    for u in range(120):
        start = (u * 7) % 20
        for t in range(12):
            rows.append((f"u{u:03d}", f"i{(start + t) % 20:02d}", 1.0, 10_000 * u + t))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "timestamp"])
    return build_dataset("ring", inter)


def test_sasrec_learns_the_next_item_of_a_ring():
    data = ring_sequences()
    model = MODELS["sasrec"](dim=16, epochs=60, lr=0.01, dropout=0.0, max_len=12, validation=0.0)
    model.fit(data)
    seqs = data.user_sequences()
    ids = data.item_vocab.lookup(np.arange(data.n_items))
    position = np.array([int(x[1:]) for x in ids])  # ring position of each item index
    expected = np.array([(position[s[-1]] + 1) % 20 for s in seqs])
    items, _ = model.recommend(np.arange(data.n_users), 1)
    assert (position[items[:, 0]] == expected).mean() >= 0.95


# ---- each model's maths against a plain computation ----------------------------------------

def tiny():
    rng = np.random.default_rng(5)
    x = (rng.random((30, 12)) < 0.3).astype(np.float32)
    x[0, :] = 0
    x[0, :3] = 1  # user 0 has items 0..2
    x[:, 11] = 0
    x[5, 11] = 1  # item 11 has one user
    u, i = np.nonzero(x)
    inter = pd.DataFrame({"user_id": [f"u{a:02d}" for a in u], "item_id": [f"i{b:02d}" for b in i],
                          "value": 1.0, "timestamp": np.arange(len(u))})
    data = build_dataset("tiny", inter)
    # rows/columns of x in the dataset's index order
    ui = data.user_vocab.index([f"u{a:02d}" for a in range(30)])
    ii = data.item_vocab.index([f"i{b:02d}" for b in range(12)])
    xd = np.zeros((data.n_users, data.n_items), dtype=np.float64)
    xd[np.ix_(ui, ii)] = x
    return data, xd


def test_popularity_scores_are_the_interaction_counts():
    data, x = tiny()
    model = Popularity().fit(data)
    np.testing.assert_array_equal(model.score(np.zeros(12, int), np.arange(12)), x.sum(axis=0))
    items, scores = model.recommend([1], 12, exclude_seen=False)
    expected = sorted(range(12), key=lambda j: (-x[:, j].sum(), j))
    assert list(items[0]) == expected


def test_ease_equals_per_item_ridge_regression():
    data, x = tiny()
    l2 = 3.0
    model = EASE(l2=l2).fit(data)
    n = x.shape[1]
    weights = np.zeros((n, n))
    for j in range(n):  # column j regressed on all other columns (zero diagonal)
        others = [c for c in range(n) if c != j]
        a = x[:, others]
        weights[others, j] = np.linalg.solve(a.T @ a + l2 * np.eye(n - 1), a.T @ x[:, j])
    np.testing.assert_allclose(model.weights_, weights, atol=1e-5)
    users = np.arange(data.n_users)
    full = model.score(np.repeat(users, n), np.tile(np.arange(n), len(users))).reshape(-1, n)
    np.testing.assert_allclose(full, x @ weights, atol=1e-5)


def shrunk_cosine(a, b, shrink):
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + shrink + 1e-12)


def test_itemknn_equals_a_plain_neighbourhood_sum():
    data, x = tiny()
    k, shrink = 3, 2.0
    model = ItemKNN(neighbors=k, shrink=shrink).fit(data)
    n = x.shape[1]
    expected = np.zeros_like(x)
    for i in range(n):
        sims = np.array([shrunk_cosine(x[:, i], x[:, j], shrink) if j != i else -np.inf
                         for j in range(n)])
        order = sorted(range(n), key=lambda j: (-sims[j], j))[:k]
        for j in order:
            if sims[j] > 0:
                expected[:, i] += sims[j] * x[:, j]
    users = np.arange(data.n_users)
    got = model.score(np.repeat(users, n), np.tile(np.arange(n), len(users))).reshape(-1, n)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_userknn_equals_a_plain_neighbourhood_sum():
    data, x = tiny()
    k, shrink = 4, 1.0
    model = UserKNN(neighbors=k, shrink=shrink).fit(data)
    m = x.shape[0]
    expected = np.zeros_like(x)
    for u in range(m):
        sims = np.array([shrunk_cosine(x[u], x[v], shrink) if v != u else -np.inf
                         for v in range(m)])
        for v in sorted(range(m), key=lambda v: (-sims[v], v))[:k]:
            if sims[v] > 0:
                expected[u] += sims[v] * x[v]
    n = x.shape[1]
    users = np.arange(m)
    got = model.score(np.repeat(users, n), np.tile(np.arange(n), m)).reshape(-1, n)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_als_half_step_solves_the_weighted_least_squares():
    data, x = tiny()
    rng = np.random.default_rng(0)
    f, alpha, reg = 3, 4.0, 0.5
    items = rng.standard_normal((x.shape[1], f)).astype(np.float32)
    item_bias = rng.standard_normal(x.shape[1]).astype(np.float32)
    m = ALS().fit(data).seen_matrix()  # the binary matrix, users as rows
    got = _solve_side(m, np.zeros((x.shape[0], f + 1), np.float32), items, item_bias,
                      alpha, reg, cg_steps=40)
    design = np.hstack([items, np.ones((len(items), 1))]).astype(np.float64)
    for u in range(x.shape[0]):
        c = 1 + alpha * x[u]
        target = x[u] - item_bias
        a = design.T @ (c[:, None] * design) + reg * np.eye(f + 1)
        exact = np.linalg.solve(a, design.T @ (c * target))
        np.testing.assert_allclose(got[u], exact, rtol=1e-3, atol=1e-3)


def test_bpr_loss_falls_and_orders_a_seen_item_above_unseen():
    data, x = tiny()
    losses = []
    model = BPR(factors=4, epochs=30, lr=0.05, reg=0.0, validation=0.0, batch_size=64)
    model.fit(data, progress=lambda p: losses.append(p.loss))
    assert losses[-1] < 0.5 * losses[0]
    # on training pairs, a user's items outscore the items they do not have (mostly)
    full = model._scores(np.arange(data.n_users))
    auc = [np.mean(full[u][x[u] > 0][:, None] > full[u][x[u] == 0][None, :])
           for u in range(x.shape[0]) if 0 < x[u].sum() < x.shape[1]]
    assert np.mean(auc) > 0.85


def gendered_board():
    """Women have even items, men odd items; the last 10 users (5 F, 5 M) have no interactions."""
    rows = []
    n_active = N_USERS
    genders = np.where(np.arange(N_USERS + 10) % 2 == 0, "F", "M")
    for u in range(n_active):
        for i in range(N_ITEMS):
            if u % 2 == i % 2 and (u + i) % 5 != 0:
                rows.append((f"u{u:03d}", f"i{i:03d}", 1.0, u * 1000 + i))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "timestamp"])
    users = pd.DataFrame({"user_id": [f"u{u:03d}" for u in range(N_USERS + 10)], "gender": genders})
    items = pd.DataFrame({"item_id": [f"i{i:03d}" for i in range(N_ITEMS)]})
    return build_dataset("gendered board", inter, users=users, items=items)


def test_twotower_serves_users_without_history_by_their_features():
    data = gendered_board()
    model = MODELS["twotower"](
        dim=8, epochs=40, lr=0.01, weight_decay=0.0, validation=0.0, batch_size=256,
        id_dropout=0.5,
    ).fit(data)
    assert model.user_features_used_ == ("gender",)
    assert model.item_features_used_ == ()  # the items have no category, brand or price band
    cold = np.flatnonzero(data.user_counts == 0)
    assert len(cold) == 10
    items, _ = model.recommend(cold, 5)
    user_half = (data.users["gender"].to_numpy()[cold] == "M").astype(int)
    item_half = half(data, data.item_vocab.lookup(items.ravel())).reshape(items.shape)
    assert (item_half == user_half[:, None]).all()


def test_twotower_without_any_side_features(board):
    data, _ = tiny()
    model = MODELS["twotower"](dim=4, epochs=2, validation=0.0).fit(data)
    assert model.user_features_used_ == () and model.item_features_used_ == ()
    items, scores = model.recommend(np.arange(data.n_users), 3)
    assert np.isfinite(scores).all() and (items >= 0).all()
