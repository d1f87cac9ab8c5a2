"""Vocabulary: maps external ids (any hashable, kept as strings or ints) to contiguous indices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.errors import DataError


class Vocabulary:
    """An immutable, ordered set of ids with O(1) id -> index lookup.

    Models work on the integer indices; the edges (UI, files) keep the original ids.
    """

    __slots__ = ("_ids", "name")

    def __init__(self, ids, *, name: str = "id"):
        ids = pd.Index(ids)
        if ids.has_duplicates:
            dup = ids[ids.duplicated()][0]
            raise DataError(f"{name}: duplicate id {dup!r}; every {name} must be unique")
        self._ids = ids
        self.name = name

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key) -> bool:
        return key in self._ids

    @property
    def ids(self) -> np.ndarray:
        """The ids in index order (a copy)."""
        return self._ids.to_numpy().copy()

    def index(self, ids, *, missing: str = "error") -> np.ndarray:
        """Indices of ``ids``. ``missing="error"`` raises DataError, ``"negative"`` gives -1."""
        scalar = np.ndim(ids) == 0
        arr = pd.Index([ids] if scalar else np.asarray(ids))
        idx = self._ids.get_indexer(arr)
        if missing == "error" and (idx < 0).any():
            bad = arr[idx < 0][0]
            raise DataError(f"unknown {self.name} {bad.item() if isinstance(bad, np.generic) else bad!r}")
        return idx[0] if scalar else idx

    def id(self, index: int):
        return self._ids[int(index)]

    def lookup(self, indices) -> np.ndarray:
        """Ids at ``indices``."""
        return self._ids.to_numpy()[np.asarray(indices, dtype=np.int64)]

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocabulary) and self._ids.equals(other._ids)

    def __hash__(self) -> int:
        return hash((self.name, len(self._ids)))

    def __repr__(self) -> str:
        return f"Vocabulary({self.name}, n={len(self)})"
