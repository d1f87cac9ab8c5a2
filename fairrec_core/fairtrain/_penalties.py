"""Differentiable fairness penalties on one training batch (PyTorch tensors in, a scalar out).

Every function takes per-cell values and integer group codes (``-1``: no informative group, left
out) and returns a 0-d tensor that is 0 when the groups are alike, with gradients flowing into the
values. With more than two groups:

- :func:`user_gap` and :func:`item_exposure` use the spread ``max - min`` of the group means (for
  two groups ``|a - b|``), the same reading of "gap" as the audit's ``difference``;
- :func:`yao_huang` averages the two-group measure over every pair of groups.

Groups with no cell in the batch are left out; fewer than two groups present gives 0.
"""

from __future__ import annotations

#: The Yao & Huang (2017) measures :func:`yao_huang` computes.
YAO_HUANG = ("value", "absolute", "under", "over", "nonparity")


def _present_means(values, codes):
    """Mean of ``values`` per code present (codes ``>= 0``), in code order."""
    import torch

    keep = codes >= 0
    v, c = values[keep], codes[keep]
    n = int(c.max()) + 1 if len(c) else 0
    sums = torch.zeros(n, dtype=v.dtype).index_add(0, c, v)
    counts = torch.bincount(c, minlength=n).to(v.dtype)
    present = counts > 0
    return sums[present] / counts[present]


def _spread(means):
    if len(means) < 2:
        return means.sum() * 0.0
    return means.max() - means.min()


def user_gap(losses, groups):
    """Spread of the user groups' mean training loss (Li et al. 2021, user-oriented fairness as
    a training objective): ``losses`` ``[n]`` per interaction, ``groups`` ``[n]`` the group code
    of each interaction's user. Two groups: ``|L_a - L_b|``; more: ``max - min``."""
    return _spread(_present_means(losses.reshape(-1), groups.reshape(-1)))


def item_exposure(exposure, item_groups):
    """Spread (``max - min``) of the item groups' mean exposure surrogate: ``exposure`` holds one
    value per (user, item) cell — a predicted probability such as ``sigmoid(score)`` or a softmax
    share — and ``item_groups`` the group code of each cell's item (same shape, or broadcastable:
    ``[n_items]`` against ``[n_users, n_items]``). A group's mean is over its items' cells, so it
    is the exposure *per item* of the group."""
    import torch

    codes = torch.broadcast_to(item_groups, exposure.shape)
    return _spread(_present_means(exposure.reshape(-1), codes.reshape(-1)))


def _pair_means(pred, label, user_groups, items):
    """Per group and item seen in the batch: mean prediction, mean label, and whether the group
    has a cell on the item (``[n_groups, n_items_in_batch]`` each); groups with a cell first."""
    import torch

    keep = user_groups >= 0
    y, r, g, it = pred[keep], label[keep].to(pred.dtype), user_groups[keep], items[keep]
    uniq, col = torch.unique(it, return_inverse=True)
    n_groups = int(g.max()) + 1 if len(g) else 0
    width = len(uniq)
    key = g * width + col
    size = n_groups * width
    count = torch.bincount(key, minlength=size).to(y.dtype)
    sum_y = torch.zeros(size, dtype=y.dtype).index_add(0, key, y)
    sum_r = torch.zeros(size, dtype=y.dtype).index_add(0, key, r)
    has = count > 0
    safe = torch.where(has, count, torch.ones_like(count))
    shape = (n_groups, width)
    present = torch.bincount(g, minlength=n_groups) > 0
    return ((sum_y / safe).reshape(shape)[present], (sum_r / safe).reshape(shape)[present],
            has.reshape(shape)[present])


def yao_huang(kind: str, pred, label, user_groups, items):
    """One of Yao & Huang's (2017, "Beyond Parity: Fairness Objectives for Collaborative
    Filtering") unfairness measures on a batch of cells: ``pred`` ``[n]`` predictions in
    ``[0, 1]``, ``label`` ``[n]`` 0/1 targets, ``user_groups`` ``[n]`` the user's group code,
    ``items`` ``[n]`` the item. With ``E_g[y]_j`` / ``E_g[r]_j`` the mean prediction / label of
    group ``g``'s cells on item ``j``, averaged over the items where both groups have cells:

    - ``value``: ``|(E_g[y]-E_g[r]) - (E_h[y]-E_h[r])|``
    - ``absolute``: ``||E_g[y]-E_g[r]| - |E_h[y]-E_h[r]||``
    - ``under``: ``|max(0, E_g[r]-E_g[y]) - max(0, E_h[r]-E_h[y])|``
    - ``over``: ``|max(0, E_g[y]-E_g[r]) - max(0, E_h[y]-E_h[r])|``
    - ``nonparity``: ``|E_g[y] - E_h[y]|`` over all of each group's cells (no item averaging).
    """
    import torch

    if kind not in YAO_HUANG:
        raise ValueError(f"yao_huang: kind must be one of {', '.join(YAO_HUANG)}, got {kind!r}")
    pred, label = pred.reshape(-1), label.reshape(-1)
    user_groups, items = user_groups.reshape(-1), items.reshape(-1)
    if kind == "nonparity":
        means = _present_means(pred, user_groups)
        pairs = [(a, b) for a in range(len(means)) for b in range(a + 1, len(means))]
        if not pairs:
            return pred.sum() * 0.0
        return torch.stack([(means[a] - means[b]).abs() for a, b in pairs]).mean()
    ey, er, has = _pair_means(pred, label, user_groups, items)
    err = ey - er
    if kind == "absolute":
        err = err.abs()
    elif kind == "under":
        err = torch.clamp(er - ey, min=0)
    elif kind == "over":
        err = torch.clamp(ey - er, min=0)
    terms = []
    for a in range(len(err)):
        for b in range(a + 1, len(err)):
            both = has[a] & has[b]
            if bool(both.any()):
                terms.append((err[a][both] - err[b][both]).abs().mean())
    if not terms:
        return pred.sum() * 0.0
    return torch.stack(terms).mean()
