"""Fixtures: a small planted shop with its generator truth, and a short popularity run."""

from __future__ import annotations

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.feedback import generator_truth, simulate

SPEC = SyntheticSpec(users=150, items=80, interactions=2400, seed=3, bias=1.0)


@pytest.fixture(scope="session")
def shop():
    return generate_shop(SPEC)


@pytest.fixture(scope="session")
def truth():
    return generator_truth(SPEC)


@pytest.fixture(scope="session")
def popularity_run(shop, truth):
    return simulate(shop, truth, model="popularity", rounds=6, seeds=(0, 1), k=10)
