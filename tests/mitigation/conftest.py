"""Fixtures: a small planted shop (bias=1), its split, and one user-side and one item-side sweep
of a quick ALS, shared by the tests (each sweep trains a handful of small models)."""

from __future__ import annotations

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.mitigation import MitigationTarget, mitigate

#: A quick ALS: enough to learn the planted structure of the small shop.
PARAMS = {"factors": 16, "iterations": 6, "validation": 0.0}
SEED = 3


@pytest.fixture(scope="session")
def small_split():
    data = generate_shop(SyntheticSpec(users=300, items=120, interactions=6000, bias=1.0))
    return split_dataset(data, method="random", test_size=0.2, seed=0)


@pytest.fixture(scope="session")
def user_sweep(small_split):
    seen = []
    result = mitigate(small_split.train, small_split.test, model="als", params=PARAMS,
                      target=MitigationTarget("gender"), strengths=(0, 0.5, 1), seed=SEED,
                      n_bootstrap=100, candidates=40,
                      progress=lambda f, text: seen.append((f, text)))
    result.progress_seen = seen
    return result


@pytest.fixture(scope="session")
def item_sweep(small_split):
    target = MitigationTarget("gender", item_attribute="brand_tier", protected="small")
    return mitigate(small_split.train, small_split.test, model="als", params=PARAMS,
                    target=target, levers=("pre", "post"), strengths=(0, 0.5, 1), seed=SEED,
                    n_bootstrap=100, candidates=40)
