"""Fixtures for the audit tests: deterministic lists on ML-100K and on a small shop (no model
needed: training popularity times a seeded per-user taste, so lists reach into the long tail)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.ranking import PAD_ITEM, RankedLists


def noisy_popularity_lists(train, n: int, *, seed: int = 0, users=None) -> RankedLists:
    """Top-``n`` unseen items per user by (training count + 1) times a random taste."""
    rng = np.random.default_rng(seed)
    users = np.arange(train.n_users) if users is None else np.asarray(users)
    pop = train.item_counts.astype(np.float64) + 1.0
    scores = pop[None, :] * rng.uniform(0.05, 1.95, size=(len(users), train.n_items)) ** 3
    seen = train.matrix[users].nonzero()
    scores[seen] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    top_scores = np.take_along_axis(scores, top, axis=1)
    top = np.where(np.isfinite(top_scores), top, PAD_ITEM)
    return RankedLists(users, top, top_scores.astype(np.float32))


@pytest.fixture(scope="session")
def ml100k_lists(ml100k_split):
    """Every ML-100K user's top-20 (some have no test items)."""
    return noisy_popularity_lists(ml100k_split.train, 20, seed=5)


@pytest.fixture(scope="session")
def shop_split():
    data = generate_shop(SyntheticSpec(users=600, items=300, interactions=20000, seed=11))
    return split_dataset(data, method="random", test_size=0.2, seed=3)


@pytest.fixture(scope="session")
def shop_lists(shop_split):
    return noisy_popularity_lists(shop_split.train, 30, seed=2)
