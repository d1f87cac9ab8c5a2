"""The probe's inputs: list bags of items against a hand-built matrix, embeddings against the
models' own arrays, a clear error for models without embeddings, and the combined table."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.leakage import COLUMNS, leakage, list_features, probe, user_embeddings
from fairrec_core.models import ALS, BPR, EASE, ItemKNN, Popularity, limit_threads, top_n
from fairrec_core.ranking import PAD_ITEM, RankedLists


@pytest.fixture(scope="module")
def split():
    shop = generate_shop(SyntheticSpec(users=200, items=120, interactions=4000, seed=3))
    return split_dataset(shop, method="random", test_size=0.2, seed=1)


@pytest.fixture(scope="module")
def als(split):
    with limit_threads(1):
        return ALS(factors=8, iterations=3, random_state=0).fit(split.train)


def test_list_features_equal_a_hand_built_matrix():
    lists = RankedLists(
        users=np.array([4, 0, 2]),
        items=np.array([[1, 3, PAD_ITEM], [0, 1, 2], [3, PAD_ITEM, PAD_ITEM]]),
        scores=np.zeros((3, 3)),
    )
    expected = np.array([[0, 1, 0, 1, 0],
                         [1, 1, 1, 0, 0],
                         [0, 0, 0, 1, 0]], dtype=float)
    m = list_features(lists, n_items=5)
    assert m.shape == (3, 5)
    np.testing.assert_array_equal(m.toarray(), expected)


def test_list_features_refuse_an_item_outside_the_catalogue():
    lists = RankedLists(np.array([0]), np.array([[7]]), np.zeros((1, 1)))
    with pytest.raises(ModelError, match="item index 7"):
        list_features(lists, n_items=5)


def test_als_embeddings_are_the_models_own_factors(als):
    users = np.array([5, 0, 199, 5])
    np.testing.assert_array_equal(user_embeddings(als, users), als.user_factors_[users])
    np.testing.assert_array_equal(user_embeddings(als), als.user_factors_)


def test_bpr_embeddings_are_the_models_own_factors(split):
    with limit_threads(1):
        bpr = BPR(factors=8, epochs=2, random_state=0).fit(split.train)
    np.testing.assert_array_equal(user_embeddings(bpr, [3, 1]), bpr.user_factors_[[3, 1]])


@pytest.mark.parametrize("model", [EASE(), Popularity(), ItemKNN()])
def test_model_without_embeddings_is_a_clear_error(model, split):
    model.fit(split.train)
    with pytest.raises(ModelError, match=f"^{model.name}: the model has no user embeddings"):
        user_embeddings(model, [0])


def test_unfitted_model_and_unknown_user_are_errors(als):
    with pytest.raises(ModelError, match="als"):
        user_embeddings(ALS(), [0])
    with pytest.raises(ModelError, match="unknown user index 999"):
        user_embeddings(als, [999])


def test_leakage_table_equals_the_two_probes(als, split):
    train = split.train
    lists = top_n(als, np.arange(train.n_users), 10)
    table = leakage(als, train, lists, "gender", seed=3)
    assert list(table.columns) == list(COLUMNS)
    assert list(table["source"]) == ["embedding", "list"]
    labels = train.user_groups("gender").to_numpy()[lists.users]
    by_hand = {"embedding": probe(als.user_factors_[lists.users], labels, seed=3),
               "list": probe(list_features(lists, train.n_items), labels, seed=3)}
    for row in table.itertuples():
        expected = by_hand[row.source]
        assert row.auc == expected.auc and row.low == expected.low
        assert row.n == expected.n and row.n_left_out == expected.n_left_out
        assert 0.0 <= row.auc <= 1.0
        # the shop's unspecified gender "U" is left out, as the audit does
        assert row.n_left_out == int((labels == "U").sum()) > 0
        assert row.n + row.n_left_out == train.n_users


def test_leakage_of_a_model_without_embeddings_has_only_the_list_row(split):
    train = split.train
    model = Popularity().fit(train)
    lists = top_n(model, np.arange(train.n_users), 10)
    table = leakage(model, train, lists, "gender")
    assert list(table["source"]) == ["list"]
