"""ALS in-processing fairness (issue 11): ``user_gap`` (IRLS weights = the penalty's gradient),
``item_exposure`` (the exact per-group item-bias shift), ``leakage_attr`` (projection), the plain
path when off, parameter errors, saving and loading."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import minimize

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import ModelError
from fairrec_core.fairtrain import group_codes
from fairrec_core.leakage import probe, user_embeddings
from fairrec_core.models import ALS, load_model, save_model
from fairrec_core.models._als_fair import (
    _group_losses,
    exposure_shift,
    exposure_spread,
    gap_penalty,
    user_gap_scale,
    user_losses,
)
from fairrec_core.models._base import binary_matrix


def small(**params) -> ALS:
    return ALS(factors=8, iterations=6, validation=0.0, **params)


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=300, items=120, interactions=6000))


def lists(model, data):
    return model.recommend(np.arange(data.n_users), 10)[0]


@pytest.mark.parametrize("params", [
    {"fairness": "user_gap", "fairness_weight": 0.0},
    {"fairness": "item_exposure", "fairness_weight": 0.0, "fairness_attr": "brand_tier"},
    {"fairness": "none", "fairness_weight": 5.0},
])
def test_off_is_exactly_the_plain_model(shop, params):
    plain = ALS(factors=8, iterations=4).fit(shop)
    other = ALS(factors=8, iterations=4, **params).fit(shop)
    for name in ALS._arrays:
        assert np.array_equal(getattr(plain, name), getattr(other, name))
    assert np.array_equal(lists(plain, shop), lists(other, shop))


@pytest.mark.parametrize(("params", "match"), [
    ({"fairness": "parity"}, "fairness must be one of none, user_gap, item_exposure"),
    ({"fairness_weight": -1.0}, "fairness_weight must be zero or positive"),
    ({"leakage_rounds": 0}, "leakage_rounds must be a positive integer"),
])
def test_bad_parameters_are_model_errors(shop, params, match):
    with pytest.raises(ModelError, match=match):
        small(**params).fit(shop)


def test_an_attribute_missing_from_the_data_names_the_available_ones(shop):
    with pytest.raises(ModelError, match="'shoe_size' is not a user attribute.*gender"):
        small(fairness="user_gap", fairness_weight=1.0, fairness_attr="shoe_size").fit(shop)
    with pytest.raises(ModelError, match="'gender' is not an item attribute.*brand_tier"):
        small(fairness="item_exposure", fairness_weight=1.0, fairness_attr="gender").fit(shop)
    with pytest.raises(ModelError, match="'shoe_size' is not a user attribute"):
        small(leakage_attr="shoe_size").fit(shop)


def test_user_losses_are_the_dense_weighted_squared_errors(shop):
    model = small().fit(shop)
    m = binary_matrix(shop)
    extra = np.random.default_rng(0).uniform(1, 6, m.nnz)
    got = user_losses(m, extra, model.user_factors_, model.user_bias_, model.item_factors_,
                      model.item_bias_)
    s = model._scores(np.arange(shop.n_users)).astype(np.float64)
    p, c = m.toarray(), np.ones(m.shape)
    c[m.nonzero()] += extra
    np.testing.assert_allclose(got, (c * (p - s) ** 2).sum(axis=1), rtol=1e-5)


def test_user_gap_weights_are_the_gradient_of_the_penalised_objective():
    """s_u = d/dl_u [sum_v l_v + lambda * gap_penalty] by central finite differences."""
    rng = np.random.default_rng(1)
    losses, counts = rng.uniform(50, 150, 40), rng.integers(5, 60, 40).astype(float)
    codes = rng.integers(-1, 3, 40)
    lam = 0.7
    scale = user_gap_scale(losses, counts, codes, lam)
    h = 1e-4
    for u in range(40):
        up, down = losses.copy(), losses.copy()
        up[u] += h
        down[u] -= h
        fd = 1 + lam * (gap_penalty(up, counts, codes) - gap_penalty(down, counts, codes)) / (2 * h)
        assert scale[u] == pytest.approx(max(fd, 0.05), rel=1e-3, abs=1e-4)


def test_user_gap_shrinks_the_training_loss_gap_as_lambda_grows(shop):
    codes = group_codes(shop, "gender")[0]
    m = binary_matrix(shop)
    spreads = []
    for lam in (0.0, 2.0, 4.0, 10.0):
        model = small(fairness="user_gap", fairness_weight=lam).fit(shop)
        losses = user_losses(m, np.full(m.nnz, 5.0), model.user_factors_, model.user_bias_,
                             model.item_factors_, model.item_bias_)
        group_loss, share = _group_losses(losses, np.diff(m.indptr), codes)[:2]
        spreads.append(float(group_loss.max() - group_loss.min()))
    assert all(b < a for a, b in zip(spreads, spreads[1:], strict=False))
    assert spreads[-1] < 0.25 * spreads[0]


def test_exposure_shift_minimises_the_penalised_objective(shop):
    """The shift of each item group's biases against a direct numerical minimisation of the
    dense objective (data term + bias penalty + exposure penalty) over the shifts."""
    model = small().fit(shop)
    codes = group_codes(shop, "brand_tier", "item")[0]
    m = binary_matrix(shop)
    mt = m.T.tocsr()
    extra_t = np.full(mt.nnz, 5.0)
    reg, lam = 40.0, 0.3
    xu, bu, yi, bi = (model.user_factors_, model.user_bias_, model.item_factors_,
                      model.item_bias_)
    got = exposure_shift(mt, extra_t, xu, bu, yi, bi, reg, codes, lam)
    s0 = model._scores(np.arange(shop.n_users)).astype(np.float64)
    p, c = m.toarray(), np.ones(m.shape)
    c[m.nonzero()] += 5.0
    share = np.bincount(codes, minlength=2) / len(codes)

    def objective(delta):
        shift = delta[codes]
        s = s0 + shift[None, :]
        means = np.array([s[:, codes == g].mean() for g in range(2)])
        return ((c * (p - s) ** 2).sum() + reg * ((bi + shift) ** 2).sum()
                + lam * s.size * share @ (means - share @ means) ** 2)

    best = minimize(objective, np.zeros(2), method="BFGS", options={"gtol": 1e-6}).x
    np.testing.assert_allclose([got[codes == 0][0], got[codes == 1][0]], best, atol=1e-4)
    assert objective(best) <= objective(np.zeros(2))


def test_item_exposure_closes_the_mean_score_gap_and_lists_more_small_brands(shop):
    codes = group_codes(shop, "brand_tier", "item")[0]
    small_code = group_codes(shop, "brand_tier", "item")[1].index("small")
    spreads, shares = [], []
    for lam in (0.0, 0.1, 10.0):
        model = small(fairness="item_exposure", fairness_weight=lam,
                      fairness_attr="brand_tier").fit(shop)
        spreads.append(exposure_spread(model.user_factors_, model.user_bias_,
                                       model.item_factors_, model.item_bias_, codes))
        shares.append(float((codes[lists(model, shop)] == small_code).mean()))
    assert spreads[2] < spreads[1] < spreads[0]
    assert spreads[2] < 0.05 * spreads[0]
    assert shares[2] > shares[0]


def test_leakage_attr_brings_the_gender_probe_to_chance_on_movielens(ml100k_split):
    """Plain ALS embeddings tell gender apart (AUC ~0.76); with leakage_attr="gender" and 8
    directions the probe's AUC is below 0.6 and its interval reaches chance."""
    train = ml100k_split.train
    labels = train.user_groups("gender").to_numpy()
    quick = {"factors": 32, "iterations": 6, "validation": 0.0}
    before = probe(user_embeddings(ALS(**quick).fit(train)), labels, seed=0)
    fair = ALS(leakage_attr="gender", leakage_rounds=8, **quick).fit(train)
    after = probe(user_embeddings(fair), labels, seed=0)
    assert before.low > 0.7
    assert after.auc < 0.6 and after.low < 0.5


def test_fair_models_save_and_load_and_old_files_take_the_defaults(shop, tmp_path):
    model = small(fairness="user_gap", fairness_weight=1.5).fit(shop)
    save_model(model, tmp_path / "fair")
    loaded = load_model(tmp_path / "fair")
    assert loaded.get_params() == model.get_params()
    assert np.array_equal(lists(loaded, shop), lists(model, shop))
    plain = small().fit(shop)
    save_model(plain, tmp_path / "old")
    params = tmp_path / "old" / "params.json"
    info = json.loads(params.read_text())
    for key in ("fairness", "fairness_weight", "fairness_attr", "leakage_attr", "leakage_rounds"):
        del info["params"][key]
    params.write_text(json.dumps(info))
    old = load_model(tmp_path / "old")
    assert old.fairness == "none" and old.fairness_weight == 0.0 and old.leakage_attr == ""
    assert np.array_equal(lists(old, shop), lists(plain, shop))
