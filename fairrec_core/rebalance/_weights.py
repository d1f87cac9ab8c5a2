"""Interaction weights that rebalance the training data between groups (pre-processing).

A target says how much each group should weigh in training:

- ``"equal_group"``: every group of the attribute gets the same total weight (each interaction
  of group ``g`` weighs ``N / (G · n_g)``, ``n_g`` its interactions, ``G`` the groups);
- ``"equal_user"``: every user (every item, on the item side) gets the same total weight,
  ``N / (U · n_u)`` — heavy users (best-sellers) stop dominating;
- ``"inverse_group"``: each interaction weighs the inverse of its group's share of the users
  (items), ``1 / p_g`` — each group then weighs by its activity per member, not its headcount.

Users (items) whose label is uninformative ("Unknown", "U"... by the audit's rule) are not a
group: their interactions keep weight 1 and the informative groups share the rest of the weight
as the target says (otherwise a handful of unlabelled users would get a whole group's weight). ``strength`` ``s`` in [0, 1] interpolates geometrically: the weights are ``w**s``
renormalised, so 0 is the plain data (all ones) and 1 the target. Weights always average 1 over
the interactions, so a model's other settings (regularisation, learning rate) keep their meaning.
"""

from __future__ import annotations

import math

import numpy as np

from fairrec_core.audit._groups import is_uninformative
from fairrec_core.errors import DataError

#: The rebalancing targets, in the order menus list them.
TARGETS = ("equal_group", "equal_user", "inverse_group")
SIDES = ("user", "item")
#: The interaction column that carries the weights of rebalanced data.
WEIGHT_COLUMN = "weight"


def _check(target: str, side: str, strength) -> float:
    if target not in TARGETS:
        raise DataError(f"rebalance: unknown target {target!r}; expected one of {', '.join(TARGETS)}")
    if side not in SIDES:
        raise DataError(f"rebalance: side must be one of {', '.join(SIDES)}, got {side!r}")
    try:
        s = float(strength)
    except (TypeError, ValueError):
        s = math.nan
    if isinstance(strength, bool) or not 0.0 <= s <= 1.0:
        raise DataError(f"rebalance: strength must be a number in [0, 1], got {strength!r}")
    return s


def _labels(data, attribute: str, side: str) -> np.ndarray:
    if side == "user":
        if attribute not in data.users.columns:
            raise DataError(f"rebalance: unknown user attribute {attribute!r}; user attributes: "
                            f"{', '.join(data.user_attributes) or 'none'}")
        return data.user_groups(attribute).to_numpy()
    if attribute not in data.items.columns:
        raise DataError(f"rebalance: unknown item attribute {attribute!r}; item attributes: "
                        f"{', '.join(data.item_attributes) or 'none'}")
    return data.items[attribute].astype("string").fillna("Unknown").astype(str).to_numpy()


def interaction_weights(data, *, target: str, attribute: str = "gender", side: str = "user",
                        strength: float = 1.0) -> np.ndarray:
    """One weight per row of ``data.interactions`` (float64, mean 1, all positive) that moves
    the groups of ``attribute`` (a user attribute, or an item attribute with ``side="item"``)
    towards ``target`` (see the module docstring). ``attribute`` is not used by the
    ``"equal_user"`` target. A :class:`DataError` names a bad target, side, attribute or strength."""
    s = _check(target, side, strength)
    n = data.n_interactions
    if n == 0:
        raise DataError("rebalance: the data has no interactions")
    column = "user" if side == "user" else "item"
    members = data.interactions[column].to_numpy(np.int64)
    if target == "equal_user":
        counts = np.bincount(members).astype(np.float64)
        raw = n / (np.count_nonzero(counts) * counts[members])
    else:
        raw = _group_weights(_labels(data, attribute, side), members, target)
    if s == 0.0:
        return np.ones(n, dtype=np.float64)
    w = raw**s
    return w / w.mean()


def _group_weights(labels: np.ndarray, members: np.ndarray, target: str) -> np.ndarray:
    """Raw weights of the group targets; uninformative members' interactions weigh 1 and the
    informative interactions average 1 among themselves."""
    informative = ~np.array([is_uninformative(v) for v in labels], dtype=bool)
    _, codes = np.unique(np.where(informative, labels, ""), return_inverse=True)
    codes = np.where(informative, codes, -1)
    per = codes[members]
    ok = per >= 0
    raw = np.ones(len(members), dtype=np.float64)
    if not ok.any():
        raise DataError("rebalance: no member has an informative label; nothing to rebalance")
    inter = np.bincount(per[ok], minlength=codes.max() + 1).astype(np.float64)
    if target == "equal_group":
        part = 1.0 / inter[per[ok]]
    else:  # inverse_group: 1 / the group's share of the (informative) members
        heads = np.bincount(codes[codes >= 0], minlength=codes.max() + 1).astype(np.float64)
        part = 1.0 / heads[per[ok]]
    raw[ok] = part / part.mean()
    return raw


def reweight(data, *, target: str, attribute: str = "gender", side: str = "user",
             strength: float = 1.0):
    """``data`` with the :func:`interaction_weights` in an interaction column ``"weight"``
    (models that take weights use it). Strength 0 returns ``data`` itself, unweighted, so the
    plain model is trained exactly as without rebalancing."""
    s = _check(target, side, strength)
    if s == 0.0:
        return data
    w = interaction_weights(data, target=target, attribute=attribute, side=side, strength=s)
    what = "users" if target == "equal_user" and side == "user" else (
        "items" if target == "equal_user" else attribute)
    return data.with_interactions(data.interactions.assign(**{WEIGHT_COLUMN: w}),
                                  name=f"{data.name} (rebalanced: {target} by {what}, "
                                       f"strength {s:g})")
