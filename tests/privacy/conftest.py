"""Fixtures for the privacy tests: a small shop, its split, an audit context and popularity
lists (no model training beyond counting)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.models import MODELS, top_n


@pytest.fixture(scope="session")
def shop_split():
    data = generate_shop(SyntheticSpec(users=800, items=200, interactions=24000, seed=7))
    return split_dataset(data, method="random", test_size=0.2, seed=3)


@pytest.fixture(scope="session")
def shop_lists(shop_split):
    model = MODELS["popularity"]().fit(shop_split.train)
    users = np.flatnonzero(shop_split.test.user_counts > 0)
    return top_n(model, users, 10)


@pytest.fixture(scope="session")
def shop_ctx(shop_split):
    return AuditContext(shop_split.train, shop_split.test, k=10, intersections=False)
