"""Shared fixtures: the real MovieLens 100K data from ../shared and the demo shop."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairrec_core.data import generate_shop, load_movielens, split_dataset

ROOT = Path(__file__).resolve().parents[1]
ML100K = ROOT.parent / "shared" / "data" / "ml-100k"


@pytest.fixture(scope="session")
def ml100k_path() -> Path:
    if not (ML100K / "u.data").is_file():
        pytest.fail(f"MovieLens 100K is expected at {ML100K} (shared data missing)")
    return ML100K


@pytest.fixture(scope="session")
def ml100k(ml100k_path):
    return load_movielens(ml100k_path)


@pytest.fixture(scope="session")
def ml100k_split(ml100k):
    return split_dataset(ml100k, method="random", test_size=0.2, seed=42)


@pytest.fixture(scope="session")
def demo():
    return generate_shop()


@pytest.fixture(scope="session")
def demo_split(demo):
    return split_dataset(demo, method="random", test_size=0.2, seed=42)
