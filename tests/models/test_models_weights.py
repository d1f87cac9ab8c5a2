"""The contract of rebalanced training data and of the fairness parameters, over every model of
the registry: a model either uses interaction weights or refuses them clearly; all-one weights
are the plain model; the fairness and leakage options switched off are exactly the plain model;
fair models save and load like the others."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.errors import ModelError
from fairrec_core.models import MODELS, load_model, save_model
from fairrec_core.rebalance import reweight
from tests.models.test_models_contract import FAST_PARAMS, NAMES, assert_same_lists, make

WEIGHTED = [n for n in NAMES if MODELS[n].takes_weights]
UNWEIGHTED = [n for n in NAMES if not MODELS[n].takes_weights]
FAIR = [n for n in NAMES if hasattr(MODELS[n], "FAIRNESS")]


def _with_weights(data, weights):
    return data.with_interactions(data.interactions.assign(weight=weights))


def _lists(model, data):
    return model.recommend(np.arange(data.n_users), 10)


def test_the_factor_models_take_weights_and_fairness():
    assert {"als", "bpr", "twotower", "ease", "popularity"} <= set(WEIGHTED)
    assert {"als", "bpr", "twotower"} <= set(FAIR)


@pytest.mark.parametrize("name", UNWEIGHTED)
def test_a_model_without_weights_refuses_rebalanced_data(name, small_split):
    data = reweight(small_split.train, target="equal_group", attribute="gender")
    model = make(name)
    with pytest.raises(ModelError, match=f"{name}: cannot use interaction weights"):
        model.fit(data)
    assert not model.is_fitted


@pytest.mark.parametrize("name", WEIGHTED)
def test_all_one_weights_are_the_plain_model(name, small_split):
    train = small_split.train
    plain = _lists(make(name).fit(train), train)
    ones = _lists(make(name).fit(_with_weights(train, np.ones(train.n_interactions))), train)
    assert_same_lists(*plain, *ones)


@pytest.mark.parametrize("name", WEIGHTED)
def test_weights_change_the_model_and_survive_saving(name, small_split, tmp_path):
    train = small_split.train
    data = reweight(train, target="equal_group", attribute="gender")
    weighted = make(name).fit(data)
    items, scores = _lists(weighted, train)
    plain_items, _ = _lists(make(name).fit(train), train)
    assert (items != plain_items).any()  # the weights are used, not ignored
    save_model(weighted, tmp_path / name, train=train)
    loaded = load_model(tmp_path / name)
    np.testing.assert_array_equal(_lists(loaded, train)[0], items)


@pytest.mark.parametrize("bad, match", [
    (np.nan, "finite numbers >= 0"),
    (-1.0, "finite numbers >= 0"),
    (0.0, "all zero"),
])
@pytest.mark.parametrize("name", WEIGHTED[:2])
def test_bad_weights_are_refused_before_training(name, bad, match, small_split):
    train = small_split.train
    w = np.ones(train.n_interactions) if bad != 0.0 else np.zeros(train.n_interactions)
    w[0] = bad
    model = make(name)
    with pytest.raises(ModelError, match=match):
        model.fit(_with_weights(train, w))
    assert not model.is_fitted


@pytest.mark.parametrize("name", FAIR)
def test_fairness_switched_off_is_exactly_the_plain_model(name, small_split):
    train = small_split.train
    plain = _lists(make(name).fit(train), train)
    for off in ({"fairness": "user_gap", "fairness_weight": 0.0},
                {"fairness": "none", "fairness_weight": 5.0},
                {"leakage_attr": ""}):
        model = MODELS[name](**FAST_PARAMS[name], **off).fit(train)
        items, scores = _lists(model, train)
        np.testing.assert_array_equal(items, plain[0])
        np.testing.assert_array_equal(scores, plain[1])


@pytest.mark.parametrize("name", FAIR)
def test_fair_settings_save_and_load(name, small_split, tmp_path):
    cls = MODELS[name]
    assert "user_gap" in cls.FAIRNESS and "none" in cls.FAIRNESS
    for penalty in ("user_gap", "item_exposure"):
        if penalty in cls.FAIRNESS:
            assert cls.FAIRNESS_FULL[penalty] > 0
    train = small_split.train
    model = cls(**FAST_PARAMS[name], fairness="user_gap", fairness_weight=cls.FAIRNESS_FULL[
        "user_gap"], leakage_attr="gender").fit(train)
    save_model(model, tmp_path / name, train=train)
    loaded = load_model(tmp_path / name)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(_lists(loaded, train)[0], _lists(model, train)[0])


@pytest.mark.parametrize("name", FAIR)
def test_unknown_fairness_settings_are_clear_errors(name, small_split):
    cls = MODELS[name]
    with pytest.raises(ModelError, match="fairness"):
        cls(**FAST_PARAMS[name], fairness="everything", fairness_weight=1.0).fit(
            small_split.train)
    with pytest.raises(ModelError, match="colour"):
        cls(**FAST_PARAMS[name], fairness="user_gap", fairness_weight=1.0,
            fairness_attr="colour").fit(small_split.train)
