"""BPR trained by DP-SGD (``dp_epsilon``): the accountant's ε against an independent Opacus
computation from the same sampling rate, steps and target, repeatable with its seed, saved and
loaded with its ε, and refused where DP cannot be honoured."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.models import BPR, limit_threads, load_model, save_model

FAST = dict(factors=8, epochs=3, dp_sample=64, dp_positives=4, negatives=2)


@pytest.fixture(scope="module")
def train():
    data = generate_shop(SyntheticSpec(users=300, items=120, interactions=6000, seed=1))
    return split_dataset(data, method="random", test_size=0.2, seed=3).train


@pytest.fixture(scope="module")
def private(train):
    with limit_threads(2):
        return BPR(dp_epsilon=2.0, **FAST).fit(train)


def test_accountant_epsilon_matches_an_independent_opacus_computation(private, train):
    from opacus.accountants import RDPAccountant
    from opacus.accountants.utils import get_noise_multiplier

    # Opacus' Poisson loader: rate 1 / (batches of 64 users per epoch), that many steps
    steps_per_epoch = math.ceil(train.n_users / 64)
    q = 1 / steps_per_epoch
    sigma = get_noise_multiplier(target_epsilon=2.0, target_delta=1e-5, sample_rate=q,
                                 epochs=3, steps=None, accountant="rdp")
    accountant = RDPAccountant()
    accountant.history = [(sigma, q, 3 * steps_per_epoch)]
    assert private.dp_epsilon_spent_ == pytest.approx(accountant.get_epsilon(1e-5), rel=1e-9)
    assert 1.5 < private.dp_epsilon_spent_ <= 2.0 + 1e-9
    assert private.epochs_ == 3


def test_same_seed_same_model_and_saved_with_its_epsilon(private, train, tmp_path):
    with limit_threads(2):
        again = BPR(dp_epsilon=2.0, **FAST).fit(train)
    np.testing.assert_array_equal(again.item_factors_, private.item_factors_)
    np.testing.assert_array_equal(again.user_factors_, private.user_factors_)
    save_model(private, tmp_path / "bpr", train=train)
    loaded = load_model(tmp_path / "bpr", data=train)
    assert loaded.dp_epsilon_spent_ == pytest.approx(private.dp_epsilon_spent_)
    assert loaded.get_params()["dp_epsilon"] == 2.0
    users = np.arange(10)
    np.testing.assert_allclose(loaded._scores(users), private._scores(users))


def test_without_dp_nothing_is_spent(train):
    with limit_threads(2):
        plain = BPR(factors=8, epochs=2, validation=0.0).fit(train)
    assert plain.dp_epsilon_spent_ is None


@pytest.mark.parametrize("params,message", [
    (dict(dp_epsilon=-1.0), "dp_epsilon must be a finite number >= 0"),
    (dict(dp_epsilon=1.0, dp_delta=0.0), "dp_delta must be in"),
    (dict(dp_epsilon=1.0, fairness="user_gap", fairness_weight=0.1), "cannot be combined"),
    (dict(dp_epsilon=1.0, dp_sample=0), "dp_sample must be a positive integer"),
])
def test_refused_settings(train, params, message):
    with pytest.raises(ModelError, match=message):
        BPR(**params).fit(train)
