"""The cold-start split: the cold items have no training (or warm test) interaction, all their
interactions are the cold test, and the rest is the ordinary random split of the warm data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.coldstart import cold_start_split
from fairrec_core.data import split_dataset
from fairrec_core.errors import DataError


def _pairs(data) -> set[tuple[int, int]]:
    inter = data.interactions
    return set(zip(inter["user"].tolist(), inter["item"].tolist(), strict=True))


def test_no_cold_item_in_train_and_every_cold_interaction_in_cold_test(shop, split):
    cold = set(split.cold_items.tolist())
    assert not cold & set(split.train.interactions["item"].tolist())
    assert not cold & set(split.warm_test.interactions["item"].tolist())
    assert set(split.cold_test.interactions["item"].tolist()) == cold
    on_cold = shop.interactions["item"].isin(cold)
    assert split.cold_test.n_interactions == int(on_cold.sum())
    parts = [_pairs(split.train), _pairs(split.warm_test), _pairs(split.cold_test)]
    assert set.union(*parts) == _pairs(shop)  # a partition of the data
    assert sum(map(len, parts)) == shop.n_interactions
    assert (split.train.item_counts[split.cold_items] == 0).all()


def test_the_share_is_of_the_items_with_interactions(shop, split):
    active = int((shop.item_counts > 0).sum())
    assert len(split.cold_items) == int(np.floor(active * 0.2 + 0.5))
    assert (shop.item_counts[split.cold_items] > 0).all()
    assert np.array_equal(split.cold_items, np.unique(split.cold_items))
    assert split.is_cold.sum() == len(split.cold_items)
    assert np.array_equal(np.sort(np.concatenate([split.cold_items, split.warm_items])),
                          np.arange(shop.n_items))


def test_warm_part_is_the_random_split_of_the_warm_data(shop, split):
    warm_only = shop.with_interactions(
        shop.interactions[~shop.interactions["item"].isin(split.cold_items)])
    plain = split_dataset(warm_only, method="random", test_size=0.2, seed=5)
    pd.testing.assert_frame_equal(plain.train.interactions, split.train.interactions)
    pd.testing.assert_frame_equal(plain.test.interactions, split.warm_test.interactions)
    assert split.train.users is shop.users and split.train.items is shop.items


def test_seeded(shop, split):
    again = cold_start_split(shop, cold_share=0.2, test_size=0.2, seed=5)
    assert np.array_equal(again.cold_items, split.cold_items)
    assert again.train.fingerprint == split.train.fingerprint
    other = cold_start_split(shop, cold_share=0.2, test_size=0.2, seed=6)
    assert not np.array_equal(other.cold_items, split.cold_items)


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, 1.5])
def test_a_share_outside_zero_one_is_refused(shop, share):
    with pytest.raises(DataError, match="cold share .* strictly between 0 and 1"):
        cold_start_split(shop, cold_share=share)


def test_too_few_items_left_is_refused(shop):
    few = shop.with_interactions(shop.interactions[shop.interactions["item"] < 2])
    with pytest.raises(DataError, match="2 items have interactions; holding out 1 leaves fewer "
                                        "than two"):
        cold_start_split(few, cold_share=0.3)
