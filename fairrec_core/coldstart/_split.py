"""The cold-start split: a share of the items is held out entirely — every interaction with
them goes to the test side — so a model meets them without any training interaction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.data import Dataset, split_dataset
from fairrec_core.errors import DataError

#: Seeds the draw of the cold items with (seed, this), apart from the warm split's draws.
COLD_STREAM = 0xC01D


@dataclass(frozen=True, eq=False)
class ColdStartSplit:
    """``train``: the warm items' training interactions; ``warm_test``: the warm items'
    held-out interactions; ``cold_test``: every interaction with a ``cold_items`` item (sorted
    item indices). The three datasets share the users and items of the data."""

    train: Dataset
    warm_test: Dataset
    cold_test: Dataset
    cold_items: np.ndarray  # int64, sorted
    cold_share: float
    test_size: float
    seed: int

    @property
    def is_cold(self) -> np.ndarray:
        """bool ``[n_items]``: held out entirely."""
        mask = np.zeros(self.train.n_items, dtype=bool)
        mask[self.cold_items] = True
        return mask

    @property
    def warm_items(self) -> np.ndarray:
        """The other items (int64, sorted)."""
        return np.flatnonzero(~self.is_cold).astype(np.int64)

    def __repr__(self) -> str:
        return (f"ColdStartSplit(cold items={len(self.cold_items)}, train="
                f"{self.train.n_interactions}, warm test={self.warm_test.n_interactions}, "
                f"cold test={self.cold_test.n_interactions})")


def cold_start_split(data: Dataset, *, cold_share: float = 0.2, test_size: float = 0.2,
                     seed: int = 42) -> ColdStartSplit:
    """Hold out ``cold_share`` of the items that have interactions (rounded, at least one,
    drawn at random with ``seed``) entirely: all their interactions go to ``cold_test``. The
    other items' interactions are split per user as :func:`~fairrec_core.data.split_dataset`
    does (``method="random"``, ``test_size``, ``seed``) into ``train`` and ``warm_test``."""
    if not 0.0 < float(cold_share) < 1.0:
        raise DataError(f"cold share {cold_share!r}: expected a fraction strictly between 0 and 1")
    active = np.flatnonzero(data.item_counts > 0)
    n_cold = max(1, int(np.floor(len(active) * float(cold_share) + 0.5)))
    if len(active) - n_cold < 2:
        raise DataError(f"cold-start split: {len(active)} items have interactions; holding out "
                        f"{n_cold} leaves fewer than two to train on")
    rng = np.random.default_rng([int(seed), COLD_STREAM])
    cold = np.sort(rng.choice(active, n_cold, replace=False)).astype(np.int64)
    is_cold = np.zeros(data.n_items, dtype=bool)
    is_cold[cold] = True
    inter = data.interactions
    on_cold = is_cold[inter["item"].to_numpy()]
    warm = split_dataset(data.with_interactions(inter[~on_cold]), method="random",
                         test_size=test_size, seed=seed)
    return ColdStartSplit(
        train=warm.train.with_interactions(warm.train.interactions,
                                           name=f"{data.name} (cold-start train)"),
        warm_test=warm.test.with_interactions(warm.test.interactions,
                                              name=f"{data.name} (warm test)"),
        cold_test=data.with_interactions(inter[on_cold], name=f"{data.name} (cold test)"),
        cold_items=cold, cold_share=float(cold_share), test_size=float(test_size),
        seed=int(seed),
    )
