"""The privacy-accuracy-fairness trade-off (:func:`fairrec_core.privacy.dp_tradeoff`): the ∞
point is a plain BPR with the same settings and seed, every point's ε spent is the model's own
accountant value, and every row is the audit's of that model's lists; progress ends at 1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.errors import DataError
from fairrec_core.models import BPR, limit_threads, top_n
from fairrec_core.privacy import dp_tradeoff

FAST = dict(factors=8, epochs=3, lr=0.01, dp_sample=64, dp_positives=4, negatives=2)
EPS = (math.inf, 4.0)


@pytest.fixture(scope="module")
def result(shop_split):
    seen = []
    with limit_threads(2):
        table = dp_tradeoff(shop_split.train, shop_split.test, epsilons=EPS, attribute="gender",
                            params=FAST, n_bootstrap=200, n_permutations=200, seed=0,
                            progress=lambda f, text: seen.append((f, text)))
    return table, seen


def _audit(split, model):
    ctx = AuditContext(split.train, split.test, k=10, groups=["gender"], intersections=False)
    users = np.flatnonzero(split.test.user_counts > 0)
    return ctx.audit(top_n(model, users, 10), n_bootstrap=200, n_permutations=200, seed=0)


def _check_point(table, eps, res):
    rows = table[table["epsilon"] == eps]
    overall = rows[rows["series"] == "overall"].iloc[0]
    ci = res.overall_ci.set_index("metric").loc["ndcg@10"]
    assert overall["value"] == pytest.approx(res.overall["ndcg@10"], rel=1e-12)
    assert (overall["ci_lo"], overall["ci_hi"]) == pytest.approx((ci["ci_lo"], ci["ci_hi"]))
    groups = rows[rows["series"] == "group"]
    core = res.group_table("gender", "ndcg@10")
    assert list(groups["group"]) == [str(g) for g in core["group"]]
    np.testing.assert_allclose(groups[["value", "ci_lo", "ci_hi"]].to_numpy(float),
                               core[["mean", "ci_lo", "ci_hi"]].to_numpy(float), rtol=1e-12)
    assert list(groups["n_users"]) == list(core["n"])
    gap = rows[rows["series"] == "gap"].iloc[0]
    ref = res.gap("gender", "ndcg@10")
    assert gap["group"] == f"{ref['max_group']} − {ref['min_group']}"
    assert (gap["value"], gap["ci_lo"], gap["ci_hi"], gap["p_value"], gap["ratio"]) == \
        pytest.approx((ref["difference"], ref["ci_lo"], ref["ci_hi"], ref["p_value"],
                       ref["ratio"]), rel=1e-12)


def test_infinity_is_a_plain_bpr_with_the_same_settings_and_seed(result, shop_split):
    table, _ = result
    with limit_threads(2):
        plain = BPR(validation=0.0, **FAST).fit(shop_split.train)
    _check_point(table, math.inf, _audit(shop_split, plain))
    assert table[table["epsilon"] == math.inf]["epsilon_spent"].isna().all()


def test_each_private_point_is_the_models_accountant_and_audit(result, shop_split):
    table, _ = result
    with limit_threads(2):
        private = BPR(dp_epsilon=4.0, **FAST).fit(shop_split.train)
    rows = table[table["epsilon"] == 4.0]
    assert (rows["epsilon_spent"] == private.dp_epsilon_spent_).all()
    assert private.dp_epsilon_spent_ <= 4.0 + 1e-6
    _check_point(table, 4.0, _audit(shop_split, private))
    # one overall row, one per gender group, one gap per ε, in the order given
    assert list(dict.fromkeys(table["epsilon"])) == list(EPS)
    n_groups = len(shop_split.train.users["gender"].unique())
    for _, each in table.groupby("epsilon", sort=False):
        assert list(each["series"]) == ["overall"] + ["group"] * n_groups + ["gap"]


def test_progress_rises_to_one_over_the_trainings(result):
    _, seen = result
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(t.startswith("no privacy (ε = ∞): epoch 3/3") for _, t in seen)
    assert any(t.startswith("ε = 4: epoch 3/3 (DP-SGD)") for _, t in seen)


@pytest.mark.parametrize(("epsilons", "message"), [
    ((), "no ε to train at"), ((0.0,), "positive or inf"), ((4.0, 4.0), "listed twice")])
def test_bad_epsilons_are_refused_in_words(shop_split, epsilons, message):
    with pytest.raises(DataError, match=message):
        dp_tradeoff(shop_split.train, shop_split.test, epsilons=epsilons)


def test_the_two_tower_points_are_its_models_accountant_and_audit(shop_split):
    from fairrec_core.models import TwoTower

    fast = dict(dim=8, feature_dim=4, hidden=16, epochs=2, dp_sample=128, dp_positives=4,
                dp_negatives=8)
    with limit_threads(2):
        table = dp_tradeoff(shop_split.train, shop_split.test, epsilons=EPS, attribute="gender",
                            model="twotower", params=fast, n_bootstrap=200, n_permutations=200,
                            seed=0)
        plain = TwoTower(validation=0.0, **fast).fit(shop_split.train)
        private = TwoTower(dp_epsilon=4.0, **fast).fit(shop_split.train)
    _check_point(table, math.inf, _audit(shop_split, plain))
    _check_point(table, 4.0, _audit(shop_split, private))
    assert (table[table["epsilon"] == 4.0]["epsilon_spent"] == private.dp_epsilon_spent_).all()


def test_an_unknown_model_is_refused_in_words(shop_split):
    with pytest.raises(DataError, match="model must be one of bpr, twotower"):
        dp_tradeoff(shop_split.train, shop_split.test, model="ease")
