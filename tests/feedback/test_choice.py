"""The choice model: its deterministic limit, the no-choice option, the budget, and the
position bias as the attention ratio it documents."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.errors import DataError
from fairrec_core.feedback import ChoiceModel


def _lists(n=400, k=8, seed=0):
    rng = np.random.default_rng(seed)
    items = np.stack([rng.permutation(50)[:k] for _ in range(n)])
    return items, rng.normal(size=(n, k))


def test_no_position_bias_and_no_noise_choose_the_best_listed_item():
    items, util = _lists()
    items[:5, -2:] = -1  # padding is never chosen
    util[:5, -2:] = 99.0
    for temperature in (0.0, 1e-9):
        rows, chosen = ChoiceModel(position_bias=0.0, temperature=temperature, budget=1,
                                   outside=None).choose(items, util, np.random.default_rng(1))
        best = np.where(items >= 0, util, -np.inf).argmax(axis=1)
        np.testing.assert_array_equal(rows, np.arange(len(items)))
        np.testing.assert_array_equal(chosen, items[np.arange(len(items)), best])


def test_outside_option_and_budget():
    items, util = _lists()
    m = ChoiceModel(position_bias=0.0, temperature=0.0, budget=3, outside=0.5)
    rows, chosen = m.choose(items, util, np.random.default_rng(1))
    # deterministic: every listed item worth more than 0.5, best first, at most 3 per user
    for r in range(len(items)):
        want = items[r][np.argsort(-util[r])][np.sort(util[r])[::-1] > 0.5][:3]
        np.testing.assert_array_equal(chosen[rows == r], want)


def test_position_bias_is_the_documented_attention_ratio():
    """Equal utilities, temperature 1, no outside option: rank r is chosen r^-b times as often
    as rank 1 (the logit of u - b ln r)."""
    n, k, b = 200_000, 4, 1.0
    items = np.tile(np.arange(k), (n, 1))
    rows, chosen = ChoiceModel(position_bias=b, temperature=1.0, budget=1,
                               outside=None).choose(items, np.zeros((n, k)),
                                                    np.random.default_rng(0))
    share = np.bincount(chosen, minlength=k) / n
    want = np.arange(1, k + 1, dtype=float) ** -b
    np.testing.assert_allclose(share, want / want.sum(), atol=0.005)


@pytest.mark.parametrize("kw", [{"position_bias": -1}, {"temperature": -0.1}, {"budget": 0},
                                {"budget": 1.5}, {"outside": float("inf")}])
def test_bad_parameters_are_refused(kw):
    with pytest.raises(DataError, match="choice:"):
        ChoiceModel(**kw).check()
