"""Small data for the output tests."""

from __future__ import annotations

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset


@pytest.fixture(scope="session")
def small_split():
    shop = generate_shop(SyntheticSpec(users=200, items=120, interactions=4000, seed=3))
    return split_dataset(shop, method="random", test_size=0.2, seed=1)
