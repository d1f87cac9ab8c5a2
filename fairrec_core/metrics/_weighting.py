"""Position weighting: the logarithmic discount shared by NDCG and item exposure."""

from __future__ import annotations

import numpy as np


def position_discount(k: int) -> np.ndarray:
    """``1 / log2(1 + rank)`` for ranks ``1..k`` (float64 ``[k]``): rank 1 weighs 1, rank 3
    weighs 0.5. NDCG discounts gains with it; exposure metrics give it to each listed item."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
