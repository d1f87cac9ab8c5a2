"""Studentised permutation tests for group gaps, all groupings and metrics at once.

Under the null hypothesis the group labels carry no information about a user's metrics, so
shuffling the labels among the users of the compared groups (large enough and informative; the
others keep their labels) gives each statistic's null distribution. The statistics are
studentised (DiCiccio, Hall & Romano / Chung & Romano 2013; as LinkedIn's LiFT): each difference
of means is divided by its standard error, recomputed in every shuffle, so the test stays valid
when groups differ in size and variance, and a tiny noisy group does not swamp the others.

- omnibus, per grouping: max over pairs g < h of |t_gh| (``p_omnibus``, the headline p-value);
- every pair: |t_gh| (``p_pairs``, unadjusted) and its single-step max-T adjusted p-value
  (``p_pairs_maxt``: the share of shuffles whose maximum over all pairs reaches |t_gh|);
- each group against the rest of the users: |t| of mean(group) - mean(rest) (``p_rest``);
- the range max - min of the group means, not studentised (``p_range``, the statistic before
  issue 10; kept for comparison).

One random permutation of the users serves every grouping (for a grouping with groups left out,
the order in which it visits the compared users is itself a uniform shuffle of them). Group sums,
sums of squares and counts of a shuffle are one sparse product: a matrix with a 1 at (shuffle,
group of the user whose label ``u`` receives, ``u``) times the stacked per-user values. Each
p-value is ``(1 + #{shuffles with a statistic >= the observed one}) / (1 + shuffles)`` (Phipson
& Smyth 2010), so it is never 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from fairrec_core.audit._multiplicity import TIE, exceedance_pvalue
from fairrec_core.audit._simultaneous import (
    TINY,
    Pairs,
    centre,
    max_abs,
    moments,
    pair_t2,
    split_sums,
    stacked,
)

#: Shuffles per block.
BLOCK = 50
#: At most this many pairwise statistics (shuffles x pairs x metrics) per block.
PAIR_BUDGET = 4_000_000


@dataclass(frozen=True, eq=False)
class PermutationTests:
    """p-values (``[n_groupings, m]``, ``[n_pairs, m]`` or ``[n_columns, m]``; NaN where a
    statistic is undefined or no shuffles were asked for) and ``null_max``, the permutation
    distribution of the omnibus statistic (``[n_permutations, n_groupings, m]``)."""

    p_omnibus: np.ndarray
    p_range: np.ndarray
    p_pairs: np.ndarray
    p_pairs_maxt: np.ndarray
    p_rest: np.ndarray
    null_max: np.ndarray


def _range(means, ok, index):
    gaps = []
    for _, cols in index.group_slices():
        block, okb = means[..., cols, :], ok[..., cols, :]
        hi = np.where(okb, block, -np.inf).max(axis=-2, initial=-np.inf)
        lo = np.where(okb, block, np.inf).min(axis=-2, initial=np.inf)
        gaps.append(np.where(okb.sum(axis=-2) >= 2, hi - lo, np.nan))
    return np.stack(gaps, axis=-2) if gaps else np.zeros(means.shape[:-2] + (0, means.shape[-1]))


def _statistics(s, total, m, which, shift, compared, index, pairs):
    """From group sums ``s`` (``[..., c, 2m + p]``): ``(range, max t², t² per pair, t² per
    group vs rest)`` (squared t: the same order as |t|, cheaper)."""
    sums, squares, counts = split_sums(s, m, which)
    t_sums, t_squares, t_counts = split_sums(total, m, which)
    mean, se2 = moments(sums, squares, counts, shift)
    rest_mean, rest_se2 = moments(t_sums - sums, t_squares - squares, t_counts - counts, shift)
    ok = compared[:, None] & (counts > 0)
    t2 = pair_t2(np.where(ok, mean, np.nan), se2, pairs)
    rest = (mean - rest_mean) ** 2 / (se2 + rest_se2 + TINY)
    rest = np.where(ok, rest, np.nan)
    return _range(mean, ok, index), max_abs(t2, pairs), t2, rest


def _count(null, threshold):
    return (null >= threshold).sum(axis=0)


def permutation_tests(values: np.ndarray, index, compared: np.ndarray, pairs: Pairs, *,
                      n_permutations: int, rng: np.random.Generator) -> PermutationTests:
    """The studentised permutation tests of ``values`` (``[n_users, m]``, NaN = undefined) over
    the groupings of ``index``; ``compared``: bool per group column (large enough and
    informative), ``pairs``: :meth:`Pairs.build` of the same."""
    n, m = values.shape
    c = index.n_columns
    shift = centre(values)
    y, which = stacked(values, shift)
    total = y.sum(axis=0)
    obs = _statistics(np.asarray(index.indicator.T @ y), total, m, which, shift, compared,
                      index, pairs)
    nan = [np.full(o.shape, np.nan) for o in obs]
    if n_permutations <= 0 or n == 0 or c == 0:
        return PermutationTests(nan[1], nan[0], nan[2], nan[2].copy(), nan[3],
                                np.zeros((0,) + obs[1].shape))
    counts = [np.zeros(o.shape) for o in obs]
    thresholds = [o * (1 - TIE) - TIE for o in obs]
    null_max = []
    offsets = [cols.start for _, cols in index.group_slices()]
    # [groupings, n]: each user's group within each grouping (0 .. width - 1)
    codes = np.ascontiguousarray(index.columns.T - np.array(offsets)[:, None], dtype=np.int32)
    widths = [cols.stop - cols.start for _, cols in index.group_slices()]
    base = np.arange(n, dtype=np.int64)  # rng.permuted is fastest on int64
    # groupings that compare the same users share one restricted shuffle (e.g. gender and its
    # intersections all leave out the "U" users); None: every user is compared
    sets: dict[bytes, list[int]] = {}
    for j, row in enumerate(codes):
        inside = compared[row + offsets[j]]
        sets.setdefault(b"" if inside.all() else inside.tobytes(), []).append(j)
    shared = [(None, js) if not key else (np.frombuffer(key, dtype=bool), js)
              for key, js in sets.items()]
    # fewer shuffles per block when there are very many pairs (an attribute with hundreds of
    # groups): each block holds [shuffles, pairs, metrics] statistics
    block = int(max(1, min(BLOCK, PAIR_BUDGET // max(1, len(pairs) * m))))
    ones = np.ones(n * block)
    for start in range(0, n_permutations, block):
        b = min(block, n_permutations - start)
        perm = rng.permuted(np.broadcast_to(base, (b, n)), axis=1)  # user u gets perm[p, u]'s labels
        sums = np.empty((b, c, y.shape[1]))
        for members, js in shared:  # members: bool per user, or None for all
            if members is None:
                source = perm.T  # [n, b]: whose label each user receives
            else:  # shuffle only among the users compared: the others keep their labels;
                # the compared users, in the order the shuffle visits them, are a uniform shuffle
                source = np.repeat(base[:, None], b, axis=1)
                source[members] = perm[members[perm]].reshape(b, -1).T
            for j in js:
                labels = codes[j][source] + (np.arange(b, dtype=np.int32) * widths[j])[None, :]
                shuffle = sp.csc_matrix(
                    (ones[:labels.size], labels.ravel(), np.arange(n + 1, dtype=np.int32) * b),
                    shape=(b * widths[j], n),
                )
                sums[:, offsets[j]:offsets[j] + widths[j]] = np.asarray(shuffle @ y).reshape(
                    b, widths[j], -1)
        stats = _statistics(sums, total, m, which, shift, compared, index, pairs)
        for acc, null, thr in zip(counts, stats, thresholds, strict=True):
            acc += _count(null, thr)
        null_max.append(stats[1])
    null_max = np.sqrt(np.concatenate(null_max, axis=0))  # max |t|
    p = [np.where(np.isnan(o), np.nan, (1 + k) / (1 + n_permutations))
         for o, k in zip(obs, counts, strict=True)]
    # max-T: pair p's against the null distribution of its grouping's maximum
    maxt = np.full(obs[2].shape, np.nan)
    for j, s in enumerate(pairs.slices):
        if s.stop > s.start:
            maxt[s] = exceedance_pvalue(null_max[:, j:j + 1], np.sqrt(obs[2][s])[:, None])[:, 0]
    return PermutationTests(p[1], p[0], p[2], maxt, p[3], null_max)
