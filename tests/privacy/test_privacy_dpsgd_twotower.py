"""The two-tower trained by DP-SGD (``dp_epsilon``): the accountant's ε against an independent
Opacus computation, each user's clipped gradient within ``dp_clip`` and independent of the
other users in the step, repeatable with its seed, saved and loaded with its ε, files saved
before DP-SGD for the two-tower still load, ``dp_epsilon=0`` is the plain model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.models import TwoTower, limit_threads, load_model, save_model

SMALL = dict(dim=8, feature_dim=4, hidden=16, epochs=3)
FAST = dict(SMALL, dp_sample=64, dp_positives=4, dp_negatives=8)
#: A two-tower saved by fairrec before the dp_* parameters existed (tests/privacy/data).
OLD = Path(__file__).parent / "data" / "twotower_layout1"


@pytest.fixture(scope="module")
def train():
    data = generate_shop(SyntheticSpec(users=300, items=120, interactions=6000, seed=1))
    return split_dataset(data, method="random", test_size=0.2, seed=3).train


@pytest.fixture(scope="module")
def private(train):
    with limit_threads(2):
        return TwoTower(dp_epsilon=2.0, **FAST).fit(train)


def test_accountant_epsilon_matches_an_independent_opacus_computation(private, train):
    from opacus.accountants import RDPAccountant
    from opacus.accountants.utils import get_noise_multiplier

    steps_per_epoch = math.ceil(train.n_users / 64)
    q = 1 / steps_per_epoch
    sigma = get_noise_multiplier(target_epsilon=2.0, target_delta=1e-5, sample_rate=q,
                                 epochs=3, steps=None, accountant="rdp")
    accountant = RDPAccountant()
    accountant.history = [(sigma, q, 3 * steps_per_epoch)]
    assert private.dp_epsilon_spent_ == pytest.approx(accountant.get_epsilon(1e-5), rel=1e-9)
    assert 1.5 < private.dp_epsilon_spent_ <= 2.0 + 1e-9
    assert private.epochs_ == 3


def _step_inputs(model, users, n_pos=4, n_neg=8, seed=0):
    import torch

    rng = np.random.default_rng(seed)
    items = torch.from_numpy(rng.integers(0, model.n_items_, (len(users), n_pos + n_neg)))
    u = torch.from_numpy(np.asarray(users))
    return (model.module_.user.ids.weight.detach().index_select(0, u),
            torch.from_numpy(model.user_codes_).index_select(0, u),
            torch.ones(len(users)), items, torch.from_numpy(model.item_codes_)[items])


def test_each_users_clipped_gradient_is_within_the_clip_norm_and_their_own(private):
    import torch

    from fairrec_core.models._dpsgd import clip_factors
    from fairrec_core.models._dpsgd_twotower import USER_IDS, per_user_grads

    net = private.module_
    users = np.arange(12)
    inputs = _step_inputs(private, users)
    grads, rows, losses = per_user_grads(net, 4, *inputs)
    assert USER_IDS not in grads
    assert set(grads) == {k for k, _ in net.named_parameters()} - {USER_IDS}
    norms = torch.sqrt(sum(g.reshape(12, -1).pow(2).sum(1) for g in grads.values()))
    for clip in (0.05, float(norms.median()), 100.0):
        f = clip_factors(grads, clip)
        clipped = torch.sqrt(sum((g * f.view(-1, *[1] * (g.dim() - 1))).reshape(12, -1)
                                 .pow(2).sum(1) for g in grads.values()))
        assert (clipped <= clip * (1 + 1e-5)).all()
        small = norms < clip
        torch.testing.assert_close(clipped[small], norms[small])  # under the norm: unchanged
    # user 3's gradient alone equals user 3's gradient within the step (no coupling)
    alone = per_user_grads(net, 4, *(x[3:4] for x in inputs))
    for k in grads:
        torch.testing.assert_close(alone[0][k][0], grads[k][3], rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(alone[1][0], rows[3])
    torch.testing.assert_close(alone[2][0], losses[3])


def test_same_seed_same_model_and_saved_with_its_epsilon(private, train, tmp_path):
    import torch

    with limit_threads(2):
        again = TwoTower(dp_epsilon=2.0, **FAST).fit(train)
    for (k, a), b in zip(again.module_.state_dict().items(),
                         private.module_.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)
    np.testing.assert_array_equal(again.user_vectors_, private.user_vectors_)
    save_model(private, tmp_path / "tt", train=train)
    loaded = load_model(tmp_path / "tt", data=train)
    assert loaded.dp_epsilon_spent_ == pytest.approx(private.dp_epsilon_spent_)
    assert loaded.get_params()["dp_epsilon"] == 2.0
    assert loaded.get_params()["dp_negatives"] == 8
    users = np.arange(10)
    np.testing.assert_allclose(loaded._scores(users), private._scores(users))


def test_dp_epsilon_zero_is_exactly_the_plain_model(train):
    import torch

    with limit_threads(2):
        plain = TwoTower(validation=0.0, **SMALL).fit(train)
        zero = TwoTower(validation=0.0, dp_epsilon=0.0, dp_clip=0.3, **SMALL).fit(train)
    assert zero.dp_epsilon_spent_ is None and plain.dp_epsilon_spent_ is None
    for (k, a), b in zip(zero.module_.state_dict().items(),
                         plain.module_.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)
    np.testing.assert_array_equal(zero.user_vectors_, plain.user_vectors_)
    np.testing.assert_array_equal(zero.item_vectors_, plain.item_vectors_)


def test_a_file_saved_before_dp_for_the_two_tower_loads():
    import json

    import torch

    info = json.loads((OLD / "params.json").read_text())
    assert not any(k.startswith("dp_") for k in info["params"])  # the old layout
    assert "dp_epsilon_spent_" not in info["state"]
    model = load_model(OLD)
    assert model.dp_epsilon == 0.0 and model.dp_epsilon_spent_ is None
    # the loaded network recomputes the saved item vectors and biases
    with torch.no_grad():
        vectors = model.module_.item(torch.arange(model.n_items_),
                                     torch.from_numpy(model.item_codes_)).numpy()
    np.testing.assert_allclose(vectors, model.item_vectors_, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model.module_.item_bias.detach().numpy(), model.item_bias_)
    assert model.recommend(np.arange(3), 5)[0].shape == (3, 5)


@pytest.mark.parametrize("params,message", [
    (dict(dp_epsilon=-1.0), "dp_epsilon must be a finite number >= 0"),
    (dict(dp_epsilon=1.0, dp_delta=1.0), "dp_delta must be in"),
    (dict(dp_epsilon=1.0, leakage_attr="gender"), "cannot be combined"),
    (dict(dp_epsilon=1.0, dp_negatives=0), "dp_negatives must be a positive integer"),
])
def test_refused_settings(train, params, message):
    with pytest.raises(ModelError, match=message):
        TwoTower(**params).fit(train)
