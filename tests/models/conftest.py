"""Small data shared by the model tests (the real ML-100K fixtures live in tests/conftest.py)."""

from __future__ import annotations

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset


@pytest.fixture(scope="session")
def small_shop():
    return generate_shop(SyntheticSpec(users=200, items=120, interactions=4000, seed=3))


@pytest.fixture(scope="session")
def small_split(small_shop):
    return split_dataset(small_shop, method="random", test_size=0.2, seed=1)


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    """Tests train tiny models, where thread start-up costs more than it saves (and pytest-xdist
    already runs two workers)."""
    from fairrec_core.models import limit_threads

    with limit_threads(1):
        yield
