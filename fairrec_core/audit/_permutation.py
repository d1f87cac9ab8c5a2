"""Permutation tests for group gaps, all groupings and metrics at once.

Under the null hypothesis the group labels carry no information about a user's metrics, so
shuffling the labels among the users of the compared groups (those large enough; the others keep
their labels) gives the statistic's null distribution. One random permutation of the users
serves every grouping (for a grouping with small groups, the order in which it visits the
compared users is itself a uniform shuffle of them). Group sums of a shuffle are one sparse product: a matrix with a 1 at (shuffle, group of
the user whose label ``u`` receives, ``u``) times the per-user metrics. The p-value is
``(1 + #{shuffles with a statistic >= the observed one}) / (1 + shuffles)`` (Phipson & Smyth
2010), so it is never 0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.audit._bootstrap import defined_patterns

#: Shuffles per block.
BLOCK = 50
#: Relative tolerance for ties between a shuffled and the observed statistic.
TIE = 1e-9


def _stats(means, ok, index, rest_means):
    """Per grouping: max - min over eligible groups (``[..., n_groupings, m]``); per group column:
    |mean - mean of the rest| (``[..., n_columns, m]``, NaN where not eligible)."""
    gaps = []
    for _, cols in index.group_slices():
        block, okb = means[..., cols, :], ok[..., cols, :]
        hi = np.where(okb, block, -np.inf).max(axis=-2)
        lo = np.where(okb, block, np.inf).min(axis=-2)
        two = okb.sum(axis=-2) >= 2
        gaps.append(np.where(two, hi - lo, np.nan))
    gap = np.stack(gaps, axis=-2) if gaps else np.zeros(means.shape[:-2] + (0, means.shape[-1]))
    rest = np.where(ok, np.abs(means - rest_means), np.nan)
    return gap, rest


def _means(sums, counts, total_sums, total_counts):
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
        rest_n = total_counts - counts
        rest = np.where(rest_n > 0, (total_sums - sums) / rest_n, np.nan)
    return means, rest


def permutation_pvalues(values: np.ndarray, index, eligible_size: np.ndarray, *,
                        n_permutations: int, rng: np.random.Generator):
    """``(p_gap, p_rest)``: permutation p-values of the gap (max - min of group means) per
    grouping and metric (``[n_groupings, m]``) and of each group against the rest of the users
    (|difference of means|, ``[n_columns, m]``). ``eligible_size``: bool per group column, the
    groups large enough to compare. NaN where the statistic is undefined or no shuffles are
    asked for."""
    n, m = values.shape
    c = index.n_columns
    patterns, which = defined_patterns(values)
    x = np.where(np.isnan(values), 0.0, values)
    y = np.concatenate([x, patterns], axis=1)
    total = y.sum(axis=0)
    total_sums, total_counts = total[:m], total[m:][which]

    def split(s):  # [..., c, m + patterns] -> sums, counts
        return s[..., :m], s[..., m:][..., which]

    obs_sums, obs_counts = split(np.asarray(index.indicator.T @ y))
    obs_means, obs_rest = _means(obs_sums, obs_counts, total_sums, total_counts)
    ok_obs = eligible_size[:, None] & (obs_counts > 0)
    obs_gap, obs_rest_stat = _stats(obs_means, ok_obs, index, obs_rest)
    if n_permutations <= 0 or n == 0 or index.n_columns == 0:
        return np.full(obs_gap.shape, np.nan), np.full(obs_rest_stat.shape, np.nan)
    n_gap = np.zeros(obs_gap.shape)
    n_rest = np.zeros(obs_rest_stat.shape)
    codes = index.columns.astype(np.int32)  # [n, groupings]; int32 keeps scipy from re-checking
    width = codes.shape[1]
    base = np.arange(n, dtype=np.int32)
    ones = np.ones(n * BLOCK * width)
    compared_user = eligible_size[codes]  # [n, groupings]: in a group large enough to compare
    partial = [j for j in range(width) if not compared_user[:, j].all()]
    members_of = {j: np.flatnonzero(compared_user[:, j]) for j in partial}
    for start in range(0, n_permutations, BLOCK):
        b = min(BLOCK, n_permutations - start)
        perm = rng.permuted(np.broadcast_to(base, (b, n)), axis=1)  # user u gets perm[p, u]'s labels
        labels = codes[perm.T]  # [n, b, width]
        for j in partial:  # shuffle only among users of the groups compared
            members, inside = members_of[j], compared_user[:, j]
            order = perm[inside[perm]].reshape(b, len(members))  # members in shuffled order
            labels[members, :, j] = codes[order, j].T
            labels[~inside, :, j] = codes[~inside, j][:, None]
        labels += (np.arange(b, dtype=np.int32) * c)[None, :, None]  # row of (shuffle, group)
        shuffle = sp.csc_matrix(
            (ones[:labels.size], labels.ravel(),
             np.arange(n + 1, dtype=np.int32) * (b * width)),
            shape=(b * c, n),
        )
        sums, counts = split(np.asarray(shuffle @ y).reshape(b, c, -1))
        means, rest = _means(sums, counts, total_sums, total_counts)
        ok = eligible_size[None, :, None] & (counts > 0)
        gap, rest_stat = _stats(means, ok, index, rest)
        n_gap += (gap >= obs_gap * (1 - TIE) - TIE).sum(axis=0)
        n_rest += (rest_stat >= obs_rest_stat * (1 - TIE) - TIE).sum(axis=0)
    p_gap = np.where(np.isnan(obs_gap), np.nan, (1 + n_gap) / (1 + n_permutations))
    p_rest = np.where(np.isnan(obs_rest_stat), np.nan, (1 + n_rest) / (1 + n_permutations))
    return p_gap, p_rest
