"""Train/test splits: per-user random holdout, per-user temporal, leave-last-one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairrec_core.data._dataset import Dataset
from fairrec_core.errors import DataError

SplitMethod = Literal["random", "temporal", "leave_last"]
SPLIT_METHODS: tuple[str, ...] = ("random", "temporal", "leave_last")


@dataclass(frozen=True, eq=False)
class Split:
    """A train and a test dataset over the same users and items."""

    train: Dataset
    test: Dataset
    method: str
    test_size: float
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """Both parts with original ids and a ``split`` column, for export."""
        frames = []
        for label, part in (("train", self.train), ("test", self.test)):
            inter = part.interactions
            frames.append(
                pd.DataFrame(
                    {
                        "user_id": part.user_vocab.lookup(inter["user"]),
                        "item_id": part.item_vocab.lookup(inter["item"]),
                        "value": inter["value"].to_numpy(),
                        "timestamp": inter["timestamp"].to_numpy(),
                        "split": label,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def split_dataset(
    data: Dataset,
    *,
    method: SplitMethod = "random",
    test_size: float = 0.2,
    seed: int = 42,
) -> Split:
    """Split every user's interactions into train and test.

    ``random``: a seeded random ``test_size`` fraction of each user's interactions (rounded,
    at least one for users with two or more, never all of them). ``temporal``: the same number,
    taken as the user's latest interactions. ``leave_last``: each user's single latest
    interaction (users with one interaction stay in train only).
    """
    if method not in SPLIT_METHODS:
        raise DataError(f"split method {method!r}: expected one of {', '.join(SPLIT_METHODS)}")
    if method != "leave_last" and not 0.0 < float(test_size) < 1.0:
        raise DataError(f"test size {test_size!r}: expected a fraction strictly between 0 and 1")
    inter = data.interactions
    user = inter["user"].to_numpy()
    n = len(inter)
    if method == "random":
        key = np.random.default_rng(seed).random(n)
        order = np.lexsort((key, user))
    else:  # latest first; ties broken by a seeded key so the split stays reproducible
        key = np.random.default_rng(seed).random(n)
        order = np.lexsort((key, -inter["timestamp"].to_numpy(), user))
    sorted_user = user[order]
    counts = np.bincount(user, minlength=data.n_users)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(n) - starts[sorted_user]
    if method == "leave_last":
        n_test = np.where(counts >= 2, 1, 0)
    else:
        n_test = np.floor(counts * float(test_size) + 0.5).astype(np.int64)
        n_test = np.where(counts >= 2, np.clip(n_test, 1, counts - 1), 0)
    is_test = np.zeros(n, dtype=bool)
    is_test[order] = rank < n_test[sorted_user]
    train = data.with_interactions(inter[~is_test], name=f"{data.name} (train)")
    test = data.with_interactions(inter[is_test], name=f"{data.name} (test)")
    return Split(train=train, test=test, method=method, test_size=float(test_size), seed=int(seed))
