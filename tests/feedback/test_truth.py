"""The demo shop's true utilities: the generator's own scores, for the same users and items."""

from __future__ import annotations

import numpy as np

from fairrec_core.data import SyntheticSpec, generate_shop, true_utilities

SPEC = SyntheticSpec(users=300, items=150, interactions=6000, seed=4, bias=1.0)


def test_shape_and_determinism():
    u = true_utilities(SPEC)
    assert u.shape == (SPEC.users, SPEC.items) and u.dtype == np.float64
    np.testing.assert_array_equal(u, true_utilities(SPEC))
    assert not np.array_equal(u, true_utilities(SyntheticSpec(**{**vars(SPEC), "seed": 5})))


def test_interactions_are_the_high_utility_items():
    """The shop's interactions are each user's top items by utility + Gumbel noise, so the
    chosen items' utility rank within the user's row is far above a random item's (median
    percentile 0.5) — and a user's interactions sit mostly in the top half of the row."""
    data = generate_shop(SPEC)
    u = true_utilities(SPEC)
    pct = (np.argsort(np.argsort(u, axis=1), axis=1) + 0.5) / SPEC.items  # 1 = the best item
    inter = data.interactions
    chosen = pct[inter["user"].to_numpy(), inter["item"].to_numpy()]
    assert np.median(chosen) > 0.8
    assert (chosen > 0.5).mean() > 0.85


def test_bias_zero_utilities_carry_no_gender_effect():
    """With bias 0 the planted category affinities vanish: the utility model is the same
    function of the taste draws for every gender, so F and M rows have the same mean."""
    spec = SyntheticSpec(users=2000, items=100, interactions=20000, seed=2, bias=0.0)
    data = generate_shop(spec)
    u = true_utilities(spec).mean(axis=1)
    g = data.users["gender"].astype(str).to_numpy()
    diff = u[g == "F"].mean() - u[g == "M"].mean()
    se = np.sqrt(u[g == "F"].var() / (g == "F").sum() + u[g == "M"].var() / (g == "M").sum())
    assert abs(diff) < 3 * se
