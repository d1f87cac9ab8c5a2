"""Categorical side features as integer codes (missing values get their own code)."""

from __future__ import annotations

import numpy as np


def feature_codes(frame, columns) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """``(used columns, codes int64 [rows, n_used], sizes int64 [n_used])`` for the ``columns``
    present in ``frame`` with at least two distinct values; code 0 is "missing", values get
    1.. in sorted order."""
    used = tuple(
        c for c in columns if c in frame.columns and frame[c].astype("string").nunique() >= 2
    )
    codes = np.zeros((len(frame), len(used)), dtype=np.int64)
    sizes = np.zeros(len(used), dtype=np.int64)
    for j, col in enumerate(used):
        values = frame[col].astype("string")
        missing = values.isna().to_numpy()
        uniq, inverse = np.unique(values.fillna("").to_numpy(dtype=str), return_inverse=True)
        codes[:, j] = np.where(missing, 0, inverse + 1)
        sizes[j] = len(uniq) + 1
    return used, codes, sizes
