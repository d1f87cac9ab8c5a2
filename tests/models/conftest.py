"""Small data shared by the model tests (the real ML-100K fixtures live in tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.models import EASE, ItemKNN, TwoTower, save_model


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


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory):
    """The text embeddings the models compute (TextALS, TwoTower(item_text=True)) are cached in
    a folder of the test session, not in the user's ~/.cache."""
    from fairrec_core.text import CACHE_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("embeddings")))
        yield


# ---- saved models to tamper with (test_models_tampered*.py) --------------------------------
@pytest.fixture(scope="session")
def saved(small_split, tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    train = small_split.train
    models = {
        "ease": EASE(l2=50.0),
        "itemknn": ItemKNN(neighbors=20),
        "twotower": TwoTower(dim=8, feature_dim=4, hidden=16, epochs=1, validation=0.0),
    }
    for name, model in models.items():
        save_model(model.fit(train), root / name, train=train)
    return root


@pytest.fixture
def copy(saved, tmp_path):
    def make(name):
        shutil.copytree(saved / name, tmp_path / name)
        return tmp_path / name

    return make
