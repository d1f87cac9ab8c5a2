"""Fixtures for the re-ranking tests: a small shop with cheap popularity-based candidates (the
ML-100K EASE candidates are built once in test_reranking_ml100k.py)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.ranking import RankedLists


def popularity_candidates(train, n: int, *, seed: int = 0) -> RankedLists:
    """Top-``n`` unseen items per user by training popularity times a random user taste."""
    rng = np.random.default_rng(seed)
    pop = train.item_counts.astype(np.float64) + 1.0
    scores = pop[None, :] * rng.uniform(0.3, 1.7, size=(train.n_users, train.n_items))
    seen = train.matrix.nonzero()
    scores[seen] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    return RankedLists(np.arange(train.n_users), top, np.take_along_axis(scores, top, axis=1))


@pytest.fixture(scope="session")
def small_shop():
    data = generate_shop(SyntheticSpec(users=300, items=160, interactions=9000, seed=3))
    return split_dataset(data, method="random", test_size=0.2, seed=1)


@pytest.fixture(scope="session")
def small_candidates(small_shop):
    return popularity_candidates(small_shop.train, 40)


@pytest.fixture(scope="session")
def make_candidates():
    """``make_candidates(train, n, seed=0)``: popularity-based candidate lists."""
    return popularity_candidates
