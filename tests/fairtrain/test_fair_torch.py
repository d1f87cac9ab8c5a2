"""Interaction weights, fairness penalties and the leakage projection of the PyTorch models (BPR,
two-tower): strength 0 is the plain model exactly, each lever moves its own target in the planted
direction, bad values are clear errors, and saved models (also ones saved before these
parameters) load."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import ModelError
from fairrec_core.fairtrain import group_codes
from fairrec_core.fairtrain._penalties import item_exposure
from fairrec_core.leakage import probe
from fairrec_core.models import BPR, SASRec, TwoTower, load_model, save_model

FAST = {"bpr": dict(epochs=4, validation=0.0, factors=16, batch_size=512),
        "twotower": dict(epochs=3, validation=0.0, dim=16, hidden=32, batch_size=512)}
CLASSES = {"bpr": BPR, "twotower": TwoTower}


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=240, items=100, interactions=4000, seed=3))


def _model(name, **params):
    return CLASSES[name](**{**FAST[name], **params})


def _lists(model, data):
    return model.recommend(np.arange(data.n_users), 10)[0]


def _bpr_cell_loss(model, data, rng_seed=0):
    """Per interaction: mean ``-log sigmoid(s_ui - s_uj)`` over 20 uniform items ``j`` (numpy)."""
    inter = data.interactions
    u, i = inter["user"].to_numpy(), inter["item"].to_numpy()
    j = np.random.default_rng(rng_seed).integers(0, data.n_items, size=(len(u), 20))
    scores = model._scores(np.arange(data.n_users))
    diff = scores[u, i][:, None] - scores[u[:, None], j]
    return np.logaddexp(0.0, -diff).mean(axis=1), u


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_strength_zero_and_all_ones_weights_are_the_plain_model(name, shop):
    plain = _lists(_model(name).fit(shop), shop)
    kinds = CLASSES[name].FAIRNESS if name == "bpr" else ("user_gap", "item_exposure", "value")
    for kind in kinds:
        attr = "brand_tier" if kind == "item_exposure" else "gender"
        model = _model(name, fairness=kind, fairness_weight=0.0, fairness_attr=attr)
        assert np.array_equal(_lists(model.fit(shop), shop), plain), kind
    ones = shop.with_interactions(shop.interactions.assign(weight=1.0))
    assert np.array_equal(_lists(_model(name).fit(ones), shop), plain)
    # weights of any constant are rescaled to mean 1: the same model
    threes = shop.with_interactions(shop.interactions.assign(weight=3.0))
    assert np.array_equal(_lists(_model(name).fit(threes), shop), plain)


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_upweighting_a_group_raises_its_training_fit(name, shop):
    codes, labels = group_codes(shop, "gender")
    women = labels.index("F")
    inter = shop.interactions
    heavy = np.where(codes[inter["user"].to_numpy()] == women, 6.0, 1.0)
    weighted = shop.with_interactions(inter.assign(weight=heavy))

    def fit_gap(model):
        loss, u = _bpr_cell_loss(model, shop)
        g = codes[u]
        return loss[g != women].mean() - loss[g == women].mean()  # > 0: women fitted better

    params = dict(epochs=12) if name == "bpr" else dict(epochs=6)
    plain = fit_gap(_model(name, **params).fit(shop))
    upweighted = fit_gap(_model(name, **params).fit(weighted))
    assert upweighted > plain + 0.02


def test_user_gap_penalty_narrows_the_groups_training_losses(shop):
    codes, _ = group_codes(shop, "gender")

    def gap(model):
        loss, u = _bpr_cell_loss(model, shop)
        means = [loss[codes[u] == g].mean() for g in range(codes.max() + 1)]
        return max(means) - min(means)

    plain = gap(_model("bpr", epochs=12).fit(shop))
    fair = gap(_model("bpr", epochs=12, fairness="user_gap", fairness_weight=20.0).fit(shop))
    assert fair < 0.5 * plain


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_item_exposure_penalty_narrows_the_item_groups_exposure(name, shop):
    codes, _ = group_codes(shop, "brand_tier", side="item")

    def gap(model):
        scores = torch.from_numpy(model._scores(np.arange(shop.n_users)))
        # the penalised surrogate over the whole catalogue: each item's softmax share
        probs = torch.softmax(scores, dim=1)
        return float(item_exposure(probs, torch.from_numpy(codes)))

    lam = 3.0 if name == "bpr" else 1.0
    plain = gap(_model(name).fit(shop))
    fair = gap(_model(name, fairness="item_exposure", fairness_weight=lam,
                      fairness_attr="brand_tier").fit(shop))
    assert fair < 0.5 * plain


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_leakage_projection_removes_the_attribute_from_user_vectors(name, shop):
    labels = shop.user_groups("gender").to_numpy()
    # the two-tower's user tower reads gender as a feature through its MLP: it needs more rounds
    params = dict(epochs=12) if name == "bpr" else dict(leakage_rounds=8)
    plain = _model(name, **params).fit(shop)
    cleaned = _model(name, **params, leakage_attr="gender").fit(shop)
    attr = "user_factors_" if name == "bpr" else "user_vectors_"
    before = probe(getattr(plain, attr), labels, seed=0).auc
    after = probe(getattr(cleaned, attr), labels, seed=0).auc
    assert before > 0.6 and after < 0.6 and after < before
    # only the user side changed: the items' arrays are the plain model's
    item_attr = "item_factors_" if name == "bpr" else "item_vectors_"
    assert np.array_equal(getattr(plain, item_attr), getattr(cleaned, item_attr))


@pytest.mark.parametrize(("params", "needle"), [
    (dict(fairness="fair"), "fairness must be one of none, user_gap, item_exposure, value"),
    (dict(fairness_weight=-1.0), "fairness_weight must be a finite number >= 0"),
    (dict(fairness_weight=float("nan")), "fairness_weight must be a finite number >= 0"),
    (dict(leakage_rounds=0), "leakage_rounds must be a positive integer"),
    (dict(leakage_attr=3), "leakage_attr must be a column name"),
])
@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_bad_fairness_values_are_clear_errors(name, params, needle, shop):
    with pytest.raises(ModelError, match=f"^{name}: {needle}"):
        _model(name, **params).fit(shop)


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_a_missing_attribute_is_named_at_fit(name, shop):
    with pytest.raises(ModelError, match="'income'.*gender"):
        _model(name, fairness="user_gap", fairness_weight=1.0, fairness_attr="income").fit(shop)
    with pytest.raises(ModelError, match="'income'.*gender"):
        _model(name, leakage_attr="income").fit(shop)
    with pytest.raises(ModelError, match="'gender'.*brand_tier"):
        _model(name, fairness="item_exposure", fairness_weight=1.0).fit(shop)


def test_sasrec_refuses_weights(shop):
    assert SASRec.takes_weights is False
    assert BPR.takes_weights is True and TwoTower.takes_weights is True
    weighted = shop.with_interactions(shop.interactions.assign(weight=1.0))
    with pytest.raises(ModelError, match="^sasrec: cannot use interaction weights"):
        SASRec(epochs=1, validation=0.0).fit(weighted)


@pytest.mark.parametrize("name", ["bpr", "twotower"])
def test_fair_models_save_and_load_and_old_folders_take_the_defaults(name, shop, tmp_path):
    model = _model(name, epochs=1, fairness="nonparity", fairness_weight=0.5,
                   leakage_attr="gender", leakage_rounds=2).fit(shop)
    folder = save_model(model, tmp_path / "fair", train=shop)
    loaded = load_model(folder, data=shop)
    assert loaded.get_params() == model.get_params()
    assert np.array_equal(_lists(loaded, shop), _lists(model, shop))
    # a folder written before the fairness parameters existed: they take their defaults
    plain = save_model(_model(name, epochs=1).fit(shop), tmp_path / "old", train=shop)
    info = json.loads((plain / "params.json").read_text())
    for key in ("fairness", "fairness_weight", "fairness_attr", "leakage_attr", "leakage_rounds"):
        del info["params"][key]
    (plain / "params.json").write_text(json.dumps(info))
    old = load_model(plain, data=shop)
    assert (old.fairness, old.fairness_weight, old.leakage_attr) == ("none", 0.0, "")
