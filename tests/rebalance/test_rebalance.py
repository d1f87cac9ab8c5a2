"""Rebalancing weights and the data-balance table, checked against direct computations."""

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import DataError
from fairrec_core.rebalance import TARGETS, balance_table, interaction_weights, reweight


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=300, items=80, interactions=5000, seed=11))


def _user_labels(data):
    return data.user_groups("gender").to_numpy()[data.interactions["user"].to_numpy()]


@pytest.mark.parametrize("target", TARGETS)
def test_weights_are_positive_with_mean_one(shop, target):
    w = interaction_weights(shop, target=target, attribute="gender")
    assert w.shape == (shop.n_interactions,)
    assert (w > 0).all()
    assert w.mean() == pytest.approx(1.0)


def test_equal_group_gives_informative_groups_equal_totals(shop):
    w = interaction_weights(shop, target="equal_group", attribute="gender")
    labels = _user_labels(shop)
    totals = pd.Series(w).groupby(labels).sum()
    assert totals["F"] == pytest.approx(totals["M"])
    # the unlabelled users' interactions keep weight one
    np.testing.assert_allclose(w[labels == "U"], 1.0)
    assert totals["F"] + totals["M"] == pytest.approx((labels != "U").sum())


def test_equal_user_gives_every_active_user_the_same_total(shop):
    w = interaction_weights(shop, target="equal_user")
    per_user = np.bincount(shop.interactions["user"], weights=w)
    active = shop.user_counts > 0
    np.testing.assert_allclose(per_user[active], per_user[active][0])


def test_inverse_group_weighs_by_the_inverse_headcount(shop):
    w = interaction_weights(shop, target="inverse_group", attribute="gender")
    labels = _user_labels(shop)
    heads = shop.user_groups("gender").value_counts()
    # within a group all weights are equal, and across groups they are in the inverse
    # ratio of the groups' numbers of users
    assert np.ptp(w[labels == "F"]) == pytest.approx(0, abs=1e-12)
    assert w[labels == "F"][0] / w[labels == "M"][0] == pytest.approx(heads["M"] / heads["F"])


def test_strength_interpolates_geometrically(shop):
    full = interaction_weights(shop, target="equal_group", attribute="gender")
    half = interaction_weights(shop, target="equal_group", attribute="gender", strength=0.5)
    expected = np.sqrt(full) / np.sqrt(full).mean()
    np.testing.assert_allclose(half, expected)
    np.testing.assert_array_equal(
        interaction_weights(shop, target="equal_group", attribute="gender", strength=0), 1.0)


def test_item_side_small_sellers(shop):
    w = interaction_weights(shop, target="equal_group", attribute="brand_tier", side="item")
    tiers = shop.items["brand_tier"].astype(str).to_numpy()[shop.interactions["item"]]
    totals = pd.Series(w).groupby(tiers).sum()
    assert totals["small"] == pytest.approx(totals["large"])


def test_reweight_adds_a_column_and_strength_zero_is_the_data_itself(shop):
    assert reweight(shop, target="equal_group", attribute="gender", strength=0) is shop
    out = reweight(shop, target="equal_group", attribute="gender", strength=0.5)
    np.testing.assert_allclose(out.interactions["weight"], interaction_weights(
        shop, target="equal_group", attribute="gender", strength=0.5))
    pd.testing.assert_frame_equal(out.interactions.drop(columns="weight"), shop.interactions)
    assert out.users is shop.users and out.items is shop.items
    assert "rebalanced" in out.name


@pytest.mark.parametrize("kwargs, match", [
    ({"target": "equal"}, "unknown target 'equal'"),
    ({"target": "equal_group", "side": "both"}, "side must be one of"),
    ({"target": "equal_group", "strength": 1.5}, r"strength must be a number in \[0, 1\]"),
    ({"target": "equal_group", "strength": -0.1}, "strength must be"),
    ({"target": "equal_group", "strength": "x"}, "strength must be"),
    ({"target": "equal_group", "strength": True}, "strength must be"),
    ({"target": "equal_group", "attribute": "colour"}, "unknown user attribute 'colour'.*gender"),
    ({"target": "equal_group", "attribute": "gender", "side": "item"},
     "unknown item attribute 'gender'.*category"),
])
def test_bad_arguments_are_clear(shop, kwargs, match):
    with pytest.raises(DataError, match=match):
        interaction_weights(shop, **{"attribute": "gender", **kwargs})


def test_balance_table_matches_a_direct_count(shop):
    data = reweight(shop, target="equal_group", attribute="gender")
    table = balance_table(data, "gender")
    for (_, _), part in table.groupby(["measure", "by"]):
        assert part["before"].sum() == pytest.approx(1.0)
        assert part["after"].sum() == pytest.approx(1.0)
    members = table[table.measure == "members"].set_index("group")["before"]
    pd.testing.assert_series_equal(
        members, shop.user_groups("gender").value_counts(normalize=True).sort_index(),
        check_names=False)
    inter = table[table.measure == "interactions"].set_index("group")
    labels = _user_labels(shop)
    w = data.interactions["weight"].to_numpy()
    assert inter.loc["F", "before"] == pytest.approx((labels == "F").mean())
    assert inter.loc["F", "after"] == pytest.approx(w[labels == "F"].sum() / w.sum())
    cats = shop.items["category"].astype(str).to_numpy()[shop.interactions["item"]]
    row = table[(table.measure == "within") & (table.by == "Beauty") & (table.group == "M")]
    sel = cats == "Beauty"
    assert row["before"].item() == pytest.approx((labels[sel] == "M").mean())
    assert row["after"].item() == pytest.approx(w[sel & (labels == "M")].sum() / w[sel].sum())


def test_balance_table_without_weights_has_after_equal_before(shop):
    table = balance_table(shop, "gender", by=None)
    assert set(table.measure) == {"members", "interactions"}
    np.testing.assert_allclose(table["after"], table["before"])
