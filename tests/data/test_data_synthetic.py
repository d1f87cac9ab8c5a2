"""The demo shop: sizes, determinism, and the planted biases (present at bias=1, absent at 0)."""

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, load_dataset
from fairrec_core.data._synthetic import CATEGORIES, EVENT_WEIGHTS, EVENTS, SPARSE_REGION


def test_demo_shape(demo):
    assert (demo.n_users, demo.n_items, demo.n_interactions) == (3000, 1000, 100_000)
    assert set(demo.users["gender"].astype(str)) == {"F", "M", "U"}
    assert 0 < (demo.users["gender"] == "U").mean() < 0.1
    assert demo.users["age"].between(18, 75).all()
    assert demo.users["region"].nunique() >= 5
    assert demo.items["category"].nunique() >= 10
    assert 100 <= demo.items["brand"].nunique() <= 400
    assert set(demo.items["brand_tier"].astype(str)) == {"small", "large"}
    assert (demo.items["price"] > 0).all()
    assert set(demo.interactions["event"].astype(str)) == set(EVENTS)
    weights = dict(zip(EVENTS, EVENT_WEIGHTS, strict=True))
    ev = demo.interactions["event"].astype(str).map(weights)
    assert np.array_equal(ev.to_numpy(np.float32), demo.interactions["value"].to_numpy())
    assert set(demo.user_attributes) >= {"gender", "age_group", "region"}
    assert demo.item_attributes == ["category", "brand", "brand_tier", "price_band"]


def test_prices_follow_category(demo):
    med = demo.items.groupby("category", observed=True)["price"].median()
    assert med["Electronics"] > med["Fashion"] > med["Grocery"]


def test_deterministic(demo):
    assert generate_shop().fingerprint == demo.fingerprint
    assert load_dataset("demo").fingerprint == demo.fingerprint
    assert generate_shop(SyntheticSpec(seed=8)).fingerprint != demo.fingerprint


def test_spec_sizes():
    ds = load_dataset("synthetic:users=300,items=150,interactions=6000,seed=3,bias=0.5")
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (300, 150, 6000)
    assert "bias=0.5" in ds.name


def _category_share(ds, gender):
    inter = ds.interactions
    g = ds.users["gender"].astype(str).to_numpy()[inter["user"]]
    cat = ds.items["category"].astype(str).to_numpy()[inter["item"]]
    return pd.Series(cat[g == gender]).value_counts(normalize=True)


def _planted(ds):
    counts = ds.user_counts
    sparse = (ds.users["region"] == SPARSE_REGION).to_numpy()
    small = (ds.items["brand_tier"] == "small").to_numpy()
    share_small = small[ds.interactions["item"]].mean()
    f, m = _category_share(ds, "F"), _category_share(ds, "M")
    return {
        "region_activity_ratio": counts[sparse].mean() / counts[~sparse].mean(),
        "small_seller_ratio": share_small / small.mean(),
        "beauty_f_over_m": f["Beauty"] / m["Beauty"],
        "automotive_m_over_f": m["Automotive"] / f["Automotive"],
    }


@pytest.fixture(scope="module")
def unbiased():
    return generate_shop(SyntheticSpec(bias=0.0))


def test_planted_biases_present(demo):
    p = _planted(demo)
    assert p["region_activity_ratio"] < 0.6
    assert p["small_seller_ratio"] < 0.8
    assert p["beauty_f_over_m"] > 1.5
    assert p["automotive_m_over_f"] > 1.5


def test_no_group_signal_without_bias(unbiased):
    p = _planted(unbiased)
    assert p["region_activity_ratio"] == pytest.approx(1.0, abs=0.12)
    assert p["small_seller_ratio"] == pytest.approx(1.0, abs=0.25)
    assert p["beauty_f_over_m"] == pytest.approx(1.0, abs=0.15)
    assert p["automotive_m_over_f"] == pytest.approx(1.0, abs=0.15)
    assert set(CATEGORIES) == set(unbiased.items["category"].astype(str))
