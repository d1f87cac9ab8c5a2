"""The scale shop (``scale:users=N,items=M,interactions=K``): linear-time synthetic for the
scoring-at-scale benchmark — no repeated pairs, every user active, a long-tail popularity,
the demo shop's attributes, one-line errors for bad specs."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import load_dataset
from fairrec_core.errors import DataError


def test_scale_shop_invariants():
    data = load_dataset("scale:users=2000,items=500,interactions=20000,seed=3")
    inter = data.interactions
    assert data.n_users == 2000 and data.n_items == 500
    pairs = inter["user"].to_numpy() * 500 + inter["item"].to_numpy()
    assert len(np.unique(pairs)) == len(pairs)  # repeats dropped
    assert 0.6 * 20000 <= len(inter) <= 20000  # a small catalogue repeats more draws
    assert (data.user_counts > 0).all()
    counts = np.sort(np.bincount(inter["item"], minlength=500))[::-1]
    assert counts[:5].sum() > 10 * counts[-250:].sum() / 50  # top 1% far above the tail
    assert {"gender", "age", "region"} <= set(data.users.columns)
    assert {"category", "brand", "brand_tier", "price"} <= set(data.items.columns)
    again = load_dataset("scale:users=2000,items=500,interactions=20000,seed=3")
    assert again.fingerprint == data.fingerprint
    other = load_dataset("scale:users=2000,items=500,interactions=20000,seed=4")
    assert other.fingerprint != data.fingerprint


@pytest.mark.parametrize(("spec", "message"), [
    ("scale:users=100,items=50", "interactions missing"),
    ("scale:users=100,items=50,interactions=x", "interactions must be a whole number"),
    ("scale:users=100,items=50,interactions=10", "must be between users"),
    ("scale:users=100,items=50,interactions=500,colour=1", "expected key=value"),
])
def test_bad_scale_specs_are_one_line_errors(spec, message):
    with pytest.raises(DataError, match=message):
        load_dataset(spec)
