"""Fairness terms of ALS training (issue 11, in-processing), each solved inside the alternation.

``user_gap`` — a penalty on the spread of the user groups' training losses (Li et al. 2021's
user-oriented fairness as a training objective). With ``l_u`` a user's data term (its weighted
squared error over every item, :func:`user_losses`), ``n_u`` its interactions, ``L_g`` the
group's loss per interaction ``sum_g l_u / sum_g n_u``, ``nbar_g`` the group's mean ``n_u``,
``pi_g`` the groups' shares of the ``N`` grouped users (mean interactions ``nbar``),
``L = sum pi_g L_g`` and ``V = sum pi_g (L_g - L)^2``, training minimises

    sum_u l_u + lambda * N * nbar * V / L  (+ the L2 penalties).

The loss is taken per interaction because a user's total loss grows with the user's activity: on
MovieLens women have fewer interactions, hence a *smaller* total loss but a larger loss per
interaction (and lower NDCG), so only the per-interaction form points the penalty at the group
that is served worse. ``N * nbar`` puts the penalty on the scale of the data term. The gradient
with respect to every parameter is ``sum_u s_u grad l_u`` with the per-user weight
``s_u = 1 + lambda * (nbar / nbar_g) * (2 (L_g - L) / L - V / L^2)`` (``g`` the user's group; 1
for users without a group), so the stationary points are those of a weighted least squares whose weights depend on
the losses — solved by iteratively reweighted least squares: after each alternation the weights
are recomputed from the current losses and the next user step scales each user's data term by
``s_u`` and the next item step weighs each user's cells by ``s_u`` (Gram ``W' S W``). Weights are
kept at least :data:`MIN_SCALE` so every step stays a positive definite least squares. The
undamped fixed-point iteration overshoots (a full least-squares solve reacts to a weight change
by more than the gap it answers: on MovieLens 100K with lambda = 3 the groups' losses swap
places with growing amplitude), so the weights move only :data:`DAMPING` of the way to the new
gradient weights each alternation (:func:`damp`; the fixed point is the same).

``item_exposure`` — a penalty on the spread of the item groups' mean predicted score (the
exposure surrogate ``E_g`` = mean over the group's items and all users of ``x_u.y_i + b_u + b_i``):

    data term + lambda * n_users * n_items * sum_g pi_g (E_g - E)^2,

``pi_g`` the groups' shares of the grouped items. A common shift ``delta_g`` of the item biases
of group ``g`` is the direction in which a group's mean score moves at least cost; after each
item step the shifts minimising the penalised objective (every other parameter fixed) solve a
``G x G`` linear system exactly (:func:`exposure_shift`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Smallest per-user weight of the user_gap reweighting (keeps each step a valid least squares).
MIN_SCALE = 0.05
#: Fraction of the way the user_gap weights move to the new gradient weights each alternation.
DAMPING = 0.3


def damp(previous: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The damped IRLS weights ``previous + DAMPING * (new - previous)`` (float32)."""
    return (previous + DAMPING * (new - previous)).astype(np.float32)


def _cell_scores(m: sp.csr_matrix, xu, bu, yi, bi) -> np.ndarray:
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    return (np.einsum("ij,ij->i", xu[rows], yi[m.indices]) + bu[rows] + bi[m.indices])


def user_losses(m: sp.csr_matrix, extra: np.ndarray, xu, bu, yi, bi) -> np.ndarray:
    """Each user's data term ``sum_i c_ui (p_ui - s_ui)^2`` over every item (float64): the
    squared scores of all cells (``z_u' (Z'Z) z_u`` with ``z_u = [x_u, b_u, 1]``) corrected on
    the interactions (confidence ``1 + extra``, preference 1)."""
    z = np.hstack([xu, bu[:, None], np.ones((len(xu), 1))]).astype(np.float64)
    zi = np.hstack([yi, np.ones((len(yi), 1)), bi[:, None]]).astype(np.float64)
    total = np.einsum("ij,jk,ik->i", z, zi.T @ zi, z)
    s = _cell_scores(m, xu.astype(np.float64), bu.astype(np.float64), yi.astype(np.float64),
                     bi.astype(np.float64))
    corr = (1.0 + extra) * (1.0 - s) ** 2 - s**2
    return total + np.bincount(np.repeat(np.arange(m.shape[0]), np.diff(m.indptr)),
                               weights=corr, minlength=m.shape[0])


def group_stats(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean of ``values`` per group, share of each group among the grouped entries)."""
    ok = codes >= 0
    n_groups = int(codes[ok].max()) + 1
    counts = np.bincount(codes[ok], minlength=n_groups).astype(np.float64)
    sums = np.bincount(codes[ok], weights=values[ok], minlength=n_groups)
    present = counts > 0
    return sums[present] / counts[present], counts[present] / counts.sum()


def _group_losses(losses: np.ndarray, counts: np.ndarray, codes: np.ndarray):
    """Per group: loss per interaction ``L_g``, user share ``pi_g``, mean interactions
    ``nbar_g``; and ``nbar`` over all grouped users."""
    ok = codes >= 0
    n_groups = int(codes[ok].max()) + 1
    users = np.bincount(codes[ok], minlength=n_groups).astype(np.float64)
    inter = np.bincount(codes[ok], weights=counts[ok], minlength=n_groups)
    loss = np.bincount(codes[ok], weights=losses[ok], minlength=n_groups)
    group_loss = np.divide(loss, inter, out=np.zeros(n_groups), where=inter > 0)
    share = users / users.sum()
    nbar_g = np.divide(inter, users, out=np.zeros(n_groups), where=users > 0)
    return group_loss, share, nbar_g, float(inter.sum() / users.sum())


def gap_penalty(losses: np.ndarray, counts: np.ndarray, codes: np.ndarray) -> float:
    """``N * nbar * V / L`` of the user losses (see the module text): the penalty that
    ``lambda`` multiplies; ``counts`` are the users' interactions."""
    group_loss, share, _, nbar = _group_losses(losses, counts, codes)
    mean = float(share @ group_loss)
    return float((codes >= 0).sum() * nbar * (share @ (group_loss - mean) ** 2) / mean)


def user_gap_scale(losses: np.ndarray, counts: np.ndarray, codes: np.ndarray,
                   lam: float) -> np.ndarray:
    """The per-user weights ``s_u`` of the penalised objective's gradient (float32)."""
    ok = codes >= 0
    group_loss, share, nbar_g, nbar = _group_losses(losses, counts, codes)
    mean = float(share @ group_loss)
    var = float(share @ (group_loss - mean) ** 2)
    grad = 2.0 * (group_loss - mean) / mean - var / mean**2
    per_group = 1.0 + lam * np.divide(nbar, nbar_g, out=np.zeros_like(nbar_g),
                                      where=nbar_g > 0) * grad
    scale = np.ones(len(codes))
    scale[ok] = per_group[codes[ok]]
    return np.maximum(scale, MIN_SCALE).astype(np.float32)


def exposure_shift(mt: sp.csr_matrix, extra_t: np.ndarray, xu, bu, yi, bi, reg: float,
                   codes: np.ndarray, lam: float) -> np.ndarray:
    """The item-bias shift per item (0 for ungrouped items) that minimises the data term, the
    bias penalty and the exposure penalty over one common shift per item group (float32).

    ``mt`` is the item x user interaction matrix, ``extra_t`` the extra confidence of its cells.
    With ``A_g`` the total confidence of the group's cells, ``B_g`` the confidence-weighted
    residual, ``e`` the centred group means of the scores and ``P = I - 1 pi'``, the shifts solve
    ``(diag(A + reg n) + lambda N P' Pi P) delta = B - reg sum b - lambda N P' Pi e``.
    """
    ok = codes >= 0
    n_users, n_items = len(xu), len(yi)
    x64, b64 = xu.astype(np.float64), bu.astype(np.float64)
    y64, c64 = yi.astype(np.float64), bi.astype(np.float64)
    # per item: sum over users of the score, of confidence, of confidence x residual
    score_sum = y64 @ x64.sum(axis=0) + b64.sum() + n_users * c64
    s = _cell_scores(mt, y64, c64, x64, b64)  # rows items, columns users: y_i.x_u + b_i + b_u
    item_of = np.repeat(np.arange(n_items), np.diff(mt.indptr))
    conf_sum = n_users + np.bincount(item_of, weights=extra_t, minlength=n_items)
    resid = -score_sum + np.bincount(item_of, weights=(1.0 + extra_t) * (1.0 - s) + s,
                                     minlength=n_items)
    n_groups = int(codes[ok].max()) + 1
    g = codes[ok]
    count = np.bincount(g, minlength=n_groups).astype(np.float64)
    a = np.bincount(g, weights=conf_sum[ok], minlength=n_groups) + reg * count
    b = (np.bincount(g, weights=resid[ok], minlength=n_groups)
         - reg * np.bincount(g, weights=c64[ok], minlength=n_groups))
    means = np.bincount(g, weights=score_sum[ok] / n_users, minlength=n_groups) / count
    share = count / count.sum()
    e = means - share @ means
    centre = np.eye(n_groups) - np.outer(np.ones(n_groups), share)
    weight = lam * n_users * n_items
    lhs = np.diag(a) + weight * centre.T @ np.diag(share) @ centre
    delta = np.linalg.solve(lhs, b - weight * centre.T @ (share * e))
    out = np.zeros(n_items, dtype=np.float32)
    out[ok] = delta[g]
    return out


def exposure_spread(xu, bu, yi, bi, codes: np.ndarray) -> float:
    """``sum_g pi_g (E_g - E)^2`` of the item groups' mean scores (the exposure surrogate)."""
    score = (yi.astype(np.float64) @ xu.astype(np.float64).mean(axis=0) + float(bu.mean())
             + bi.astype(np.float64))
    means, share = group_stats(score, codes)
    return float(share @ (means - share @ means) ** 2)
