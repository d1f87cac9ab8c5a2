"""The two-tower model's ``item_text`` option: the frozen embeddings feed the item tower, are
saved with the network's weights, and switched off leave the network as it was."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.models import TwoTower, load_model, save_model
from fairrec_core.text import item_embeddings

SMALL = {"dim": 8, "feature_dim": 4, "hidden": 16, "epochs": 2, "validation": 0.0}


@pytest.fixture(scope="module")
def train(encoder):
    data = generate_shop(SyntheticSpec(users=150, items=80, interactions=3000, seed=9))
    train = split_dataset(data, test_size=0.2, seed=1).train
    item_embeddings(train, encoder=encoder)  # into the session's cache: fit reads it there
    return train


@pytest.fixture(scope="module")
def with_text(train):
    events = []
    model = TwoTower(**SMALL, item_text=True).fit(train, progress=events.append)
    return model, events


def test_the_embeddings_are_a_frozen_input_of_the_item_tower(train, with_text, encoder):
    model, events = with_text
    state = model.module_.state_dict()
    np.testing.assert_array_equal(state["item.text"].numpy(), item_embeddings(train))
    assert tuple(state["item.project.weight"].shape) == (SMALL["feature_dim"], 384)
    assert "text" not in dict(model.module_.named_parameters())  # a buffer: never trained
    plain = TwoTower(**SMALL).fit(train)
    assert not any(k.startswith(("item.text", "item.project")) for k in plain.module_.state_dict())
    assert not np.allclose(plain.item_vectors_, model.item_vectors_)
    assert events[0].step == 0 and events[0].message.startswith("embedding item texts")
    assert [e.step for e in events[1:]] == [1, 2] and events[-1].total == 2


def test_save_and_load_give_the_same_scores_and_a_whole_network(train, with_text, tmp_path):
    import torch

    model, _ = with_text
    save_model(model, tmp_path / "tt", train=train)
    loaded = load_model(tmp_path / "tt", data=train)
    assert loaded.item_text is True
    users = np.arange(train.n_users)
    a_items, a_scores = model.recommend(users, 10)
    b_items, b_scores = loaded.recommend(users, 10)
    np.testing.assert_array_equal(a_items, b_items)
    np.testing.assert_array_equal(a_scores, b_scores)
    with torch.no_grad():  # the loaded network alone recomputes the item tower
        again = loaded.module_.item(torch.arange(train.n_items),
                                    torch.from_numpy(loaded.item_codes_)).numpy()
    np.testing.assert_allclose(again, model.item_vectors_, atol=1e-6)


def test_item_text_must_be_a_flag(train):
    with pytest.raises(ModelError, match="item_text must be true or false"):
        TwoTower(**SMALL, item_text="yes").fit(train)
