"""FaiRLLM's summaries of one attribute — SNSR, the range (max − min) of the values' mean
similarity to the neutral list, and SNSV, their standard deviation — with a permutation test
whose null is the LLM's own sampling noise.

Each anchor (user) has several answers per value (samples). If the value named in the prompt
does not matter, an anchor's answers are exchangeable across the values: shuffling the value
labels among the answers of the same anchor (each anchor keeps its own labels, so its taste
and how many answers each value has stay put) gives the null distribution of SNSR and SNSV.
p-value: ``(1 + #{shuffles >= observed}) / (1 + shuffles)`` (Phipson & Smyth 2010, the
audit's :func:`~fairrec_core.audit._multiplicity.exceedance_pvalue`). The test holds for any
per-answer score (similarity, popularity, accuracy); NaN scores are left out of the means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.audit._multiplicity import exceedance_pvalue

#: Shuffles per block (each block is ``[shuffles, anchors, answers per anchor]``).
BLOCK = 64


def snsr(values) -> float:
    """max − min of the finite ``values`` (NaN for fewer than two)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.max() - v.min()) if len(v) >= 2 else float("nan")


def snsv(values) -> float:
    """The standard deviation (population, ``ddof=0``, as FaiRLLM) of the finite ``values``
    (NaN for fewer than two)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.std()) if len(v) >= 2 else float("nan")


@dataclass(frozen=True, eq=False)
class SpreadTest:
    """``means[v, m]``: value ``v``'s mean of score ``m``; ``snsr``/``snsv`` ``[m]`` of those
    means; ``p_snsr``/``p_snsv`` ``[m]`` (NaN without shuffles); ``null`` ``[B, 2, m]``: the
    shuffled SNSR (``[:, 0]``) and SNSV (``[:, 1]``)."""

    means: np.ndarray
    snsr: np.ndarray
    snsv: np.ndarray
    p_snsr: np.ndarray
    p_snsv: np.ndarray
    null: np.ndarray


def _layout(blocks: np.ndarray):
    """``index[a, j]``: the ``j``-th answer of anchor ``a`` (-1 beyond its answers)."""
    order = np.argsort(blocks, kind="stable")
    codes, starts, counts = np.unique(blocks[order], return_index=True, return_counts=True)
    width = int(counts.max()) if len(counts) else 0
    index = np.full((len(codes), width), -1, dtype=np.int64)
    offsets = np.arange(len(order)) - np.repeat(starts, counts)
    index[np.repeat(np.arange(len(codes)), counts), offsets] = order
    return index


def _spread(sums, counts):
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)  # [..., V, m]
    finite = np.isfinite(means)
    n = finite.sum(axis=-2)
    hi = np.where(finite, means, -np.inf).max(axis=-2)
    lo = np.where(finite, means, np.inf).min(axis=-2)
    mu = np.where(finite, means, 0).sum(axis=-2) / np.maximum(n, 1)
    var = (np.where(finite, means - mu[..., None, :], 0) ** 2).sum(axis=-2) / np.maximum(n, 1)
    ok = n >= 2
    return means, np.where(ok, hi - lo, np.nan), np.where(ok, np.sqrt(var), np.nan)


def _sums(labels, values, defined, n_values):
    """Per value, the sum and count of each score: ``labels`` ``[..., N]`` (``n_values`` for
    padding), ``values``/``defined`` ``[N, m]`` broadcast over the leading axes."""
    lead = labels.shape[:-1]
    b = int(np.prod(lead)) if lead else 1
    flat = (labels.reshape(b, -1) + (np.arange(b) * (n_values + 1))[:, None]).ravel()
    size = b * (n_values + 1)
    m = values.shape[1]
    sums = np.empty((b, n_values + 1, m))
    counts = np.empty((b, n_values + 1, m))
    for j in range(m):
        w = np.broadcast_to(values[:, j], (b, values.shape[0])).ravel()
        d = np.broadcast_to(defined[:, j], (b, values.shape[0])).ravel()
        sums[:, :, j] = np.bincount(flat, weights=w, minlength=size).reshape(b, -1)
        counts[:, :, j] = np.bincount(flat, weights=d, minlength=size).reshape(b, -1)
    shape = (*lead, n_values + 1, m)
    return sums.reshape(shape)[..., :n_values, :], counts.reshape(shape)[..., :n_values, :]


def spread_test(scores: np.ndarray, labels: np.ndarray, blocks: np.ndarray, *, n_values: int,
                n_permutations: int, rng: np.random.Generator) -> SpreadTest:
    """SNSR and SNSV of the value means of ``scores`` (``[N, m]`` per answer, NaN = none) with
    the within-anchor permutation test. ``labels``: each answer's value (0..n_values-1);
    ``blocks``: its anchor (any integers)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    defined = ~np.isnan(scores)
    values = np.where(defined, scores, 0.0)
    index = _layout(np.asarray(blocks))
    pad = index < 0
    # answers in anchor layout: [anchors, width]; padding gets label n_values and no weight
    lab = np.where(pad, n_values, labels[np.where(pad, 0, index)])
    flat_index = np.where(pad, 0, index).ravel()
    v = np.where(pad.ravel()[:, None], 0.0, values[flat_index])
    d = np.where(pad.ravel()[:, None], False, defined[flat_index])
    means, obs_r, obs_v = _spread(*_sums(lab.ravel()[None, :], v, d, n_values))
    m = scores.shape[1]
    if n_permutations <= 0 or not len(index):
        nan = np.full(m, np.nan)
        return SpreadTest(means[0], obs_r[0], obs_v[0], nan, nan.copy(), np.zeros((0, 2, m)))
    nulls = []
    for start in range(0, n_permutations, BLOCK):
        b = min(BLOCK, n_permutations - start)
        keys = rng.random((b, *index.shape))
        keys[:, pad] = 2.0  # padding stays at the end of each anchor's row
        order = np.argsort(keys, axis=2)
        shuffled = np.take_along_axis(np.broadcast_to(lab, (b, *lab.shape)), order, axis=2)
        _, r, s = _spread(*_sums(shuffled.reshape(b, -1), v, d, n_values))
        nulls.append(np.stack([r, s], axis=1))
    null = np.concatenate(nulls, axis=0)  # [B, 2, m]
    observed = np.stack([obs_r[0], obs_v[0]], axis=0)[None]  # [1, 2, m]
    p = exceedance_pvalue(null, observed)[0]
    return SpreadTest(means[0], obs_r[0], obs_v[0], p[0], p[1], null)
