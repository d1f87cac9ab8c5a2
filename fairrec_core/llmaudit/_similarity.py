"""How similar a sensitive-prompt list is to the neutral-prompt list: Jaccard@K, SERP*@K and
PRAG*@K of FaiRLLM (Zhang et al., "Is ChatGPT Fair for Recommendation?", RecSys 2023, §3.2).

For a neutral list ``R`` and a sensitive list ``R^a`` cut at ``K``, with ``r^a_v`` the rank
(1..K) of ``v`` in ``R^a`` and ``r_v`` its rank in ``R`` (``+inf`` when ``v`` is not in ``R``):

- ``Jaccard@K = |R ∩ R^a| / |R ∪ R^a|`` (NaN when both are empty);
- ``SERP*@K = Σ_{v ∈ R^a} 1[v ∈ R] (K − r^a_v + 1) / (K (K + 1) / 2)``: overlap weighted by the
  sensitive list's ranks (1 for two equal full lists);
- ``PRAG*@K = Σ_{v1 ≠ v2 ∈ R^a} 1[v1 ∈ R] 1[r_v1 < r_v2] 1[r^a_v1 < r^a_v2] / (K (K + 1))``:
  pairs of the sensitive list kept in the same order by the neutral one (an item missing from
  ``R`` ranks after every listed one). As the paper defines it, two equal full lists score
  ``(K − 1) / (2 (K + 1))`` (0.409 at K = 10), not 1.

The metrics are the paper's formulas, not its notebook's code: the published ``process.ipynb``
weights SERP by ``K − i + 1`` for a 0-based ``i`` (one more than ``K − r + 1``) and scales it
by ``1 / (2 K (K + 1))``, and divides PRAG by the ``K (K − 1) / 2`` pairs. The functions here
take ``K`` from the cutoff, so a list shorter than ``K`` (an answer with fewer titles) scores
lower, as in the paper.

:func:`jaccard_at_k`, :func:`serp_at_k` and :func:`prag_at_k` compute one pair, plainly (the
reference the tests check by hand); :func:`list_similarity` computes many pairs at once.
"""

from __future__ import annotations

import numpy as np

from fairrec_core.ranking import PAD_ITEM

#: The similarity metrics, in the order the tables show them.
SIMILARITY = ("jaccard", "serp", "prag")


def _cut(items, k: int) -> list:
    return [x for x in list(items)[:k] if x != PAD_ITEM]


def jaccard_at_k(sensitive, neutral, k: int) -> float:
    """Jaccard@K of two lists (see the module docstring)."""
    a, b = set(_cut(sensitive, k)), set(_cut(neutral, k))
    union = a | b
    return len(a & b) / len(union) if union else float("nan")


def serp_at_k(sensitive, neutral, k: int) -> float:
    """SERP*@K of ``sensitive`` against ``neutral``."""
    ref = set(_cut(neutral, k))
    total = sum(k - rank + 1 for rank, v in enumerate(_cut(sensitive, k), start=1) if v in ref)
    return total / (k * (k + 1) / 2)


def prag_at_k(sensitive, neutral, k: int) -> float:
    """PRAG*@K of ``sensitive`` against ``neutral``."""
    a = _cut(sensitive, k)
    where = {v: r for r, v in enumerate(_cut(neutral, k), start=1)}
    count = 0
    for i, v1 in enumerate(a):
        for v2 in a[i + 1:]:  # r^a_v1 < r^a_v2
            if v1 in where and where[v1] < where.get(v2, float("inf")):
                count += 1
    return count / (k * (k + 1))


def list_similarity(sensitive: np.ndarray, neutral: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Jaccard@K, SERP*@K and PRAG*@K of each row of ``sensitive`` against the same row of
    ``neutral`` (int ``[n, >= k]``, ``-1`` pads, no key twice in a row), vectorised:
    ``{"jaccard": [n], "serp": [n], "prag": [n]}`` (float64)."""
    a = np.asarray(sensitive)[:, :k]
    b = np.asarray(neutral)[:, :k]
    n, width = a.shape
    valid_a = a != PAD_ITEM
    valid_b = b != PAD_ITEM
    # position (1..K) in the neutral list of each sensitive entry, inf when absent
    same = (a[:, :, None] == b[:, None, :]) & valid_a[:, :, None] & valid_b[:, None, :]
    found = same.any(axis=2)
    rank_b = np.where(found, same.argmax(axis=2) + 1.0, np.inf)
    inter = found.sum(axis=1)
    union = valid_a.sum(axis=1) + valid_b.sum(axis=1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, inter / union, np.nan)
    weight = k - np.arange(1, width + 1) + 1.0  # K - r^a + 1
    serp = (found * weight).sum(axis=1) / (k * (k + 1) / 2)
    upper = np.triu(np.ones((width, width), dtype=bool), 1)  # r^a_v1 < r^a_v2
    kept = (found[:, :, None] & (rank_b[:, :, None] < rank_b[:, None, :])
            & valid_a[:, None, :] & upper)
    prag = kept.sum(axis=(1, 2)) / (k * (k + 1))
    return {"jaccard": jaccard, "serp": serp.astype(np.float64), "prag": prag.astype(np.float64)}
