"""group_codes: the groups a fairness penalty compares, with uninformative labels left out."""

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import ModelError
from fairrec_core.fairtrain import group_codes


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=200, items=60, interactions=3000, seed=3))


def test_user_codes_match_the_labels(shop):
    codes, labels = group_codes(shop, "gender")
    raw = shop.users["gender"].astype("string").fillna("Unknown").astype(str).to_numpy()
    informative = ~np.isin(raw, ["U", "Unknown"])
    assert labels == sorted(set(raw[informative]))
    np.testing.assert_array_equal(codes[~informative], -1)
    np.testing.assert_array_equal(np.asarray(labels, dtype=object)[codes[informative]],
                                  raw[informative])


def test_item_codes(shop):
    codes, labels = group_codes(shop, "brand_tier", side="item")
    assert labels == ["large", "small"]
    assert len(codes) == shop.n_items
    np.testing.assert_array_equal(np.asarray(labels)[codes],
                                  shop.items["brand_tier"].astype(str).to_numpy())


def test_errors_name_the_attribute(shop):
    with pytest.raises(ModelError, match="'colour' is not a user attribute.*gender"):
        group_codes(shop, "colour")
    with pytest.raises(ModelError, match="'gender' is not an item attribute"):
        group_codes(shop, "gender", side="item")
    with pytest.raises(ModelError, match="side must be one of"):
        group_codes(shop, "gender", side="both")
    one = shop.with_interactions(shop.interactions)
    object.__setattr__(one, "users", shop.users.assign(gender=pd.Series(["F"] * shop.n_users)))
    with pytest.raises(ModelError, match="at least two groups"):
        group_codes(one, "gender")
