"""Ranked lists: the top-N items (and scores) per user, the currency between models, re-rankers
and the audit. Rows are users (indices into a Dataset's users), columns are ranks; short lists
are padded with item ``-1`` and score ``-inf``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PAD_ITEM = -1


@dataclass(frozen=True, eq=False)
class RankedLists:
    """``items[r, j]`` is the item index at rank ``j + 1`` for user ``users[r]``."""

    users: np.ndarray  # int64 [n]
    items: np.ndarray  # int64 [n, N], PAD_ITEM where the list is shorter
    scores: np.ndarray  # float32 [n, N], -inf where padded

    def __post_init__(self):
        users = np.asarray(self.users, dtype=np.int64)
        items = np.asarray(self.items, dtype=np.int64)
        scores = np.asarray(self.scores, dtype=np.float32)
        if items.ndim != 2 or items.shape != scores.shape or items.shape[0] != len(users):
            raise ValueError(
                f"ranked lists: users {users.shape}, items {items.shape} and scores "
                f"{scores.shape} do not agree"
            )
        object.__setattr__(self, "users", users)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "scores", scores)

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def depth(self) -> int:
        """N, the number of ranks held per user."""
        return self.items.shape[1]

    def top(self, k: int) -> RankedLists:
        """The first ``k`` ranks (all of them if fewer are held)."""
        return RankedLists(self.users, self.items[:, :k], self.scores[:, :k])

    def lengths(self) -> np.ndarray:
        """Number of real (non-padded) items per user."""
        return (self.items != PAD_ITEM).sum(axis=1)

    def to_frame(self, data) -> pd.DataFrame:
        """``user_id, rank, item_id, score`` with original ids and ranks from 1 (padding dropped)."""
        mask = self.items != PAD_ITEM
        rows, cols = np.nonzero(mask)
        return pd.DataFrame(
            {
                "user_id": data.user_vocab.lookup(self.users[rows]),
                "rank": cols + 1,
                "item_id": data.item_vocab.lookup(self.items[rows, cols]),
                "score": self.scores[rows, cols],
            }
        )
