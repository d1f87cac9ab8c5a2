"""Item attributes the audit compares groups on: the dataset's own (category, brand, brand tier,
price band) and the derived popularity band."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.metrics import POPULARITY_BANDS

#: The derived item attribute: "head" / "mid" / "tail" by training popularity.
POPULARITY_BAND = "popularity_band"


@dataclass(frozen=True, eq=False)
class ItemAttribute:
    """One value per item: ``values[codes[j]]`` is item ``j``'s value."""

    name: str
    values: tuple[str, ...]
    codes: np.ndarray  # int64 [n_items]

    @property
    def n_values(self) -> int:
        return len(self.values)


def item_attributes(train, bands: np.ndarray) -> list[ItemAttribute]:
    """``train.item_attributes`` (missing values as "Unknown"), then the popularity band
    (``bands``: 0 head, 1 mid, 2 tail per item)."""
    out = []
    for name in train.item_attributes:
        column = train.items[name]
        labels = column.astype("string").fillna("Unknown").astype(str).to_numpy()
        values, codes = np.unique(labels, return_inverse=True)
        out.append(ItemAttribute(name, tuple(values.tolist()), codes.astype(np.int64).ravel()))
    out.append(ItemAttribute(POPULARITY_BAND, POPULARITY_BANDS, np.asarray(bands, dtype=np.int64)))
    return out
