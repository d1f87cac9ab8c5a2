"""Interaction weights in ALS, EASE, ItemKNN, UserKNN and Popularity (issue 11, pre-processing):
all-ones weights are the unweighted model, known answers on tiny matrices, and upweighting one
group's interactions moves recommendations towards that group's items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, build_dataset, generate_shop
from fairrec_core.models import ALS, EASE, ItemKNN, Popularity, UserKNN

SMALL = {
    "popularity": lambda: Popularity(),
    "ease": lambda: EASE(l2=20.0),
    "itemknn": lambda: ItemKNN(neighbors=30),
    "userknn": lambda: UserKNN(neighbors=30),
    "als": lambda: ALS(factors=8, iterations=4, validation=0.0),
}


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=300, items=120, interactions=6000))


def weighted(data, w) -> object:
    return data.with_interactions(data.interactions.assign(weight=np.asarray(w, np.float64)))


def planted(seed: int = 0):
    """40 users of group A (``gender`` F) and 80 of group B (M), 12 items each out of 60; A
    picks items 0-19 three times as often as the others, B items 20-39."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(120):
        pref = np.ones(60)
        favourite = slice(0, 20) if u < 40 else slice(20, 40)
        pref[favourite] = 3.0
        for i in rng.choice(60, 12, replace=False, p=pref / pref.sum()):
            rows.append((f"u{u}", f"i{i}", 1.0, len(rows)))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "timestamp"])
    users = pd.DataFrame({"user_id": [f"u{u}" for u in range(120)],
                          "gender": ["F"] * 40 + ["M"] * 80})
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(60)], "category": "c"})
    return build_dataset("planted", inter, users=users, items=items)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_unit_weights_give_the_unweighted_lists(shop, name):
    users = np.arange(shop.n_users)
    plain = SMALL[name]().fit(shop).recommend(users, 10)[0]
    ones = SMALL[name]().fit(weighted(shop, np.ones(shop.n_interactions))).recommend(users, 10)[0]
    assert np.array_equal(plain, ones)


@pytest.mark.parametrize("name", ["popularity", "userknn"])
def test_a_constant_weight_keeps_the_ranking_of_the_scale_free_models(shop, name):
    """Every weight doubled: Popularity's counts and UserKNN's votes double, so the lists cannot
    change (EASE, ItemKNN and ALS have a fixed-scale penalty: l2, shrink, alpha)."""
    users = np.arange(shop.n_users)
    plain = SMALL[name]().fit(shop).recommend(users, 10)[0]
    double = SMALL[name]().fit(weighted(shop, np.full(shop.n_interactions, 2.0)))
    assert np.array_equal(plain, double.recommend(users, 10)[0])


def test_popularity_counts_are_the_weighted_bincount(shop):
    w = np.random.default_rng(1).gamma(2.0, 0.5, shop.n_interactions)
    model = Popularity().fit(weighted(shop, w))
    expected = np.bincount(shop.interactions["item"], weights=w, minlength=shop.n_items)
    np.testing.assert_allclose(model.counts_, expected, rtol=1e-6)


def test_ease_weights_equal_the_closed_form_with_row_weights():
    data = planted()
    w = np.where(data.interactions["user"].to_numpy() < 40, 3.0, 0.5)
    model = EASE(l2=5.0).fit(weighted(data, w))
    x = data.matrix.toarray().astype(np.float64)
    d = np.where(np.arange(data.n_users) < 40, 3.0, 0.5)
    p = np.linalg.inv(x.T @ np.diag(d) @ x + 5.0 * np.eye(data.n_items))
    b = np.eye(data.n_items) - p / np.diag(p)[None, :]
    np.testing.assert_allclose(model.weights_, b, atol=1e-5)


def test_itemknn_similarity_is_the_row_weighted_cosine():
    data = planted()
    d = np.random.default_rng(2).uniform(0.2, 3.0, data.n_users)
    w = d[data.interactions["user"].to_numpy()]
    model = ItemKNN(neighbors=59, shrink=0.0).fit(weighted(data, w))
    x = data.matrix.toarray().astype(np.float64)
    gram = x.T @ np.diag(d) @ x
    norm = np.sqrt(np.diag(gram))
    sim = gram / np.outer(norm, norm)
    for i in (0, 25, 45):
        got = {j: v for j, v in zip(model.neighbor_indices_[i], model.neighbor_weights_[i],
                                    strict=True) if v > 0}  # padding: index 0, weight 0
        expected = {j: sim[i, j] for j in range(data.n_items) if j != i and sim[i, j] > 0}
        assert set(got) == set(expected)
        np.testing.assert_allclose([got[j] for j in sorted(got)],
                                   [expected[j] for j in sorted(got)], rtol=1e-5)


def test_userknn_votes_are_scaled_by_the_neighbours_row_weights():
    data = planted()
    d = np.random.default_rng(3).uniform(0.2, 3.0, data.n_users)
    plain = UserKNN(neighbors=20).fit(data)
    model = UserKNN(neighbors=20).fit(weighted(data, d[data.interactions["user"].to_numpy()]))
    assert np.array_equal(model.neighbor_indices_, plain.neighbor_indices_)
    np.testing.assert_allclose(model.neighbor_weights_,
                               plain.neighbor_weights_ * d[plain.neighbor_indices_], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_upweighting_a_group_moves_attention_to_its_items(name):
    """Group A's interactions weighted 4, B's 1: every model recommends more of A's favourite
    items (0-19) relative to B's (20-39) than with equal weights, over all users' top-10 lists."""
    data = planted()
    users = np.arange(data.n_users)
    is_a = data.interactions["user"].to_numpy() < 40
    plain = SMALL[name]().fit(data).recommend(users, 10)[0]
    up = SMALL[name]().fit(weighted(data, np.where(is_a, 4.0, 1.0))).recommend(users, 10)[0]

    def share(lists):
        return (lists < 20).mean() - ((lists >= 20) & (lists < 40)).mean()

    assert share(up) > share(plain)


def test_als_user_weights_change_what_the_items_learn_not_each_users_own_fit(shop):
    """A weight constant over each user's interactions (user-side rebalancing) is that user's
    weight in the item step only: after one alternation from the same start the user factors
    equal the plain model's, the item factors do not; and they equal the item step's weighted
    least squares solved densely here (every cell of a user's row times the user's weight)."""
    rng = np.random.default_rng(3)
    per_user = rng.uniform(0.2, 3.0, shop.n_users)
    data = weighted(shop, per_user[shop.interactions["user"].to_numpy()])
    params = {"factors": 4, "iterations": 1, "validation": 0.0, "cg_steps": 40, "reg": 0.5}
    plain, fair = ALS(**params).fit(shop), ALS(**params).fit(data)
    np.testing.assert_allclose(fair.user_factors_, plain.user_factors_, rtol=1e-4, atol=1e-5)
    assert not np.allclose(fair.item_factors_, plain.item_factors_, atol=1e-3)
    # the item step: min sum_u wbar_u sum_i c_ui (p_ui - x_u.y_i - b_u - b_i)^2 + reg |[y_i, b_i]|^2
    x = np.hstack([fair.user_factors_, np.ones((shop.n_users, 1))]).astype(np.float64)
    target = -fair.user_bias_.astype(np.float64)
    p = np.zeros((shop.n_users, shop.n_items))
    p[shop.interactions["user"], shop.interactions["item"]] = 1.0
    conf = 1.0 + ALS().alpha * p
    expected = np.empty((shop.n_items, x.shape[1]))
    for i in range(shop.n_items):
        c = per_user * conf[:, i]
        lhs = (x * c[:, None]).T @ x + params["reg"] * np.eye(x.shape[1])
        expected[i] = np.linalg.solve(lhs, (x * c[:, None]).T @ (p[:, i] + target))
    got = np.hstack([fair.item_factors_, fair.item_bias_[:, None]])
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=2e-3)
