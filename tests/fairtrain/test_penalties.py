"""The differentiable fairness penalties against an independent numpy computation of each formula
(loops over groups and items), zero when the groups are alike, and finite-difference gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from fairrec_core.fairtrain._penalties import YAO_HUANG, item_exposure, user_gap, yao_huang


def _batch(seed=0, n=60, n_groups=2, n_items=7):
    rng = np.random.default_rng(seed)
    pred = rng.uniform(0.05, 0.95, n)
    label = (rng.random(n) < 0.4).astype(np.float64)
    groups = rng.integers(-1, n_groups, n)  # -1: uninformative, left out
    items = rng.integers(0, n_items, n)
    return pred, label, groups, items


def _t(a):
    return torch.as_tensor(a)


def _np_yao_huang(kind, pred, label, groups, items):
    """Yao & Huang (2017), eqs. for U_val, U_abs, U_under, U_over, U_par, written out with loops;
    more than two groups: the mean over pairs of groups."""
    present = sorted(set(groups[groups >= 0].tolist()))
    pair_values = []
    for g, h in itertools.combinations(present, 2):
        if kind == "nonparity":
            pair_values.append(abs(pred[groups == g].mean() - pred[groups == h].mean()))
            continue
        per_item = []
        for j in sorted(set(items.tolist())):
            a, b = (groups == g) & (items == j), (groups == h) & (items == j)
            if not a.any() or not b.any():
                continue
            yg, rg, yh, rh = pred[a].mean(), label[a].mean(), pred[b].mean(), label[b].mean()
            term = {
                "value": abs((yg - rg) - (yh - rh)),
                "absolute": abs(abs(yg - rg) - abs(yh - rh)),
                "under": abs(max(0.0, rg - yg) - max(0.0, rh - yh)),
                "over": abs(max(0.0, yg - rg) - max(0.0, yh - rh)),
            }[kind]
            per_item.append(term)
        if per_item:
            pair_values.append(np.mean(per_item))
    return float(np.mean(pair_values)) if pair_values else 0.0


@pytest.mark.parametrize("n_groups", [2, 3])
@pytest.mark.parametrize("kind", YAO_HUANG)
def test_yao_huang_matches_the_formulas(kind, n_groups):
    pred, label, groups, items = _batch(seed=n_groups, n_groups=n_groups)
    got = float(yao_huang(kind, _t(pred), _t(label), _t(groups), _t(items)))
    want = _np_yao_huang(kind, pred, label, groups, items)
    assert want > 0.01
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_yao_huang_hand_made_two_items():
    # group 0 over-predicts item 0 by 0.3, group 1 under-predicts it by 0.1; item 1 both exact
    pred = np.array([0.8, 0.4, 0.5, 0.5, 0.2])
    label = np.array([0.5, 0.5, 0.5, 0.5, 0.2])
    groups = np.array([0, 1, 0, 1, 1])
    items = np.array([0, 0, 1, 1, 7])  # item 7 only has group 1: left out of the item terms
    args = (_t(pred), _t(label), _t(groups), _t(items))
    assert float(yao_huang("value", *args)) == pytest.approx((0.4 + 0.0) / 2)
    assert float(yao_huang("absolute", *args)) == pytest.approx((0.2 + 0.0) / 2)
    assert float(yao_huang("under", *args)) == pytest.approx((0.1 + 0.0) / 2)
    assert float(yao_huang("over", *args)) == pytest.approx((0.3 + 0.0) / 2)
    assert float(yao_huang("nonparity", *args)) == pytest.approx(abs(0.65 - (0.4 + 0.5 + 0.2) / 3))


def test_user_gap_and_item_exposure_match_numpy():
    pred, _, groups, items = _batch(seed=5, n_groups=3)
    means = [pred[groups == g].mean() for g in range(3)]
    assert float(user_gap(_t(pred), _t(groups))) == pytest.approx(max(means) - min(means))
    two = np.where(groups == 2, 1, groups)
    a, b = pred[two == 0].mean(), pred[two == 1].mean()
    assert float(user_gap(_t(pred), _t(two))) == pytest.approx(abs(a - b))
    # exposure: [users, items] against item groups [items] (broadcast); -1 items left out
    probs = np.random.default_rng(1).dirichlet(np.ones(6), size=4)
    item_groups = np.array([0, 0, 1, 1, 1, -1])
    got = float(item_exposure(_t(probs), _t(item_groups)))
    assert got == pytest.approx(abs(probs[:, :2].mean() - probs[:, 2:5].mean()))


@pytest.mark.parametrize("kind", YAO_HUANG)
def test_penalties_vanish_when_groups_are_alike(kind):
    # every cell twice, once per group: the groups are identical
    pred, label, _, items = _batch(seed=3)
    pred2, label2, items2 = (np.concatenate([x, x]) for x in (pred, label, items))
    groups = np.repeat([0, 1], len(pred))
    assert float(yao_huang(kind, _t(pred2), _t(label2), _t(groups), _t(items2))) == pytest.approx(
        0.0, abs=1e-12)
    assert float(user_gap(_t(pred2), _t(groups))) == pytest.approx(0.0, abs=1e-12)
    assert float(item_exposure(_t(pred2), _t(groups))) == pytest.approx(0.0, abs=1e-12)
    # one group present: nothing to compare, 0 with a gradient path
    one = _t(pred).requires_grad_()
    zero = yao_huang(kind, one, _t(label), torch.zeros(len(pred), dtype=torch.long), _t(items))
    zero.backward()
    assert float(zero.detach()) == 0.0 and float(one.grad.abs().sum()) == 0.0


@pytest.mark.parametrize("kind", YAO_HUANG)
def test_penalty_gradients_match_finite_differences(kind):
    pred, label, groups, items = _batch(seed=11, n=40, n_groups=2, n_items=4)
    p = _t(pred).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda x: yao_huang(kind, x, _t(label), _t(groups), _t(items)), (p,), eps=1e-7, atol=1e-6)
    assert torch.autograd.gradcheck(lambda x: user_gap(x, _t(groups)), (p,), eps=1e-7, atol=1e-6)
