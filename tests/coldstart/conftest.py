"""Fixtures of the cold-start tests: one thread, an embedding cache folder of the session
(filled by the real encoder, loaded once), a small shop and its cold-start split."""

from __future__ import annotations

import pytest

from fairrec_core.coldstart import cold_start_split
from fairrec_core.data import SyntheticSpec, generate_shop

SPEC = SyntheticSpec(users=200, items=120, interactions=4000, seed=3)
FAST = {"factors": 8, "iterations": 4, "validation": 0.0}


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    from fairrec_core.models import limit_threads

    with limit_threads(1):
        yield


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory):
    from fairrec_core.text import CACHE_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("embeddings")))
        yield


@pytest.fixture(scope="session")
def shop():
    return generate_shop(SPEC)


@pytest.fixture(scope="session")
def split(shop):
    return cold_start_split(shop, cold_share=0.2, test_size=0.2, seed=5)


@pytest.fixture(scope="session")
def embeddings(shop):
    """The shop's item embeddings (computed once into the session's cache)."""
    from fairrec_core.text import item_embeddings

    return item_embeddings(shop)
