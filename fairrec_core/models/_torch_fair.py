"""Fairness options shared by the PyTorch factor models (BPR, two-tower), issue 11.

- **Interaction weights** (a ``"weight"`` column, :mod:`fairrec_core.rebalance`): per-interaction
  loss weights, rescaled to mean 1 over the training interactions, so the batch loss is the
  weighted mean of the interactions' losses (all-ones weights: the unweighted loss exactly).
- **Fairness penalty** (``fairness``, ``fairness_weight`` λ, ``fairness_attr``): ``λ · penalty``
  added to each batch's loss, penalties from :mod:`fairrec_core.fairtrain._penalties`. With
  ``fairness="none"`` or λ = 0 nothing of it is computed and training is the plain one.
- **Leakage projection** (``leakage_attr``, ``leakage_rounds``): after training, the attribute's
  linear directions (:func:`fairrec_core.leakage.attribute_directions`) are removed from the
  user vectors that scoring uses (:func:`fairrec_core.leakage.project_out`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.fairtrain._penalties import YAO_HUANG, item_exposure, user_gap, yao_huang
from fairrec_core.models._weights import WEIGHT

__all__ = ["FAIRNESS", "FAIR_PARAMS", "YAO_HUANG", "FairTerm", "active", "check_fairness",
           "fair_term", "loss_weights", "project_users"]

#: The fairness penalties of the PyTorch models ("none" turns the penalty off).
FAIRNESS = ("none", "user_gap", "item_exposure", *YAO_HUANG)
#: The fairness parameters, in the order they follow the model's own hyperparameters.
FAIR_PARAMS = ("fairness", "fairness_weight", "fairness_attr", "leakage_attr", "leakage_rounds")


def check_fairness(model) -> None:
    """ModelError naming the fairness parameter that is out of range and what is allowed."""
    name = model.name
    if model.fairness not in model.FAIRNESS:
        raise ModelError(f"{name}: fairness must be one of {', '.join(model.FAIRNESS)}, got "
                         f"{model.fairness!r}")
    try:
        lam = float(model.fairness_weight)
    except (TypeError, ValueError):
        lam = math.nan
    if isinstance(model.fairness_weight, bool) or not (math.isfinite(lam) and lam >= 0):
        raise ModelError(f"{name}: fairness_weight must be a finite number >= 0, got "
                         f"{model.fairness_weight!r}")
    for key in ("fairness_attr", "leakage_attr"):
        if not isinstance(getattr(model, key), str):
            raise ModelError(f"{name}: {key} must be a column name (text), got "
                             f"{getattr(model, key)!r}")
    if model.fairness != "none" and not model.fairness_attr:
        raise ModelError(f"{name}: fairness_attr must name an attribute when fairness is "
                         f"{model.fairness!r}")
    rounds = model.leakage_rounds
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ModelError(f"{name}: leakage_rounds must be a positive integer, got {rounds!r}")


def loss_weights(fit):
    """The interactions' weights as a float32 tensor rescaled to mean 1, or None without a
    ``"weight"`` column."""
    import torch

    inter = fit.interactions
    if WEIGHT not in inter.columns:
        return None
    w = inter[WEIGHT].to_numpy(np.float64)
    return torch.from_numpy((w / w.mean()).astype(np.float32))


@dataclass(frozen=True)
class FairTerm:
    """The batch penalty of one fitted model: its kind, λ and the group code of every user
    (user-side kinds) or item (``item_exposure``), ``-1`` for an uninformative label."""

    kind: str
    weight: float
    codes: object  # torch int64 tensor

    def penalty(self, *, users, row_losses, exposure, exposure_items, pos, pos_items, neg,
                neg_items):
        """``λ · penalty`` for a batch: ``users`` ``[n]``; ``row_losses`` ``[n]`` each
        interaction's loss; ``exposure`` predicted shares of ``exposure_items`` (broadcastable);
        ``pos`` ``[n]`` / ``neg`` ``[n, m]`` scores of the positives and sampled negatives."""
        import torch

        if self.kind == "user_gap":
            value = user_gap(row_losses, self.codes.index_select(0, users))
        elif self.kind == "item_exposure":
            value = item_exposure(exposure, self.codes[exposure_items])
        else:
            pred = torch.sigmoid(torch.cat([pos[:, None], neg], dim=1))
            label = torch.zeros_like(pred)
            label[:, 0] = 1.0
            groups = self.codes.index_select(0, users)[:, None].expand_as(pred)
            items = torch.cat([pos_items[:, None], neg_items], dim=1)
            value = yao_huang(self.kind, pred, label, groups, items)
        return self.weight * value


def fair_term(model, train) -> FairTerm | None:
    """The model's :class:`FairTerm`, or None when ``fairness`` is "none". The attribute is
    checked (ModelError naming it and the available ones) even when λ is 0."""
    if model.fairness == "none":
        return None
    import torch

    from fairrec_core.fairtrain._groups import group_codes

    side = "item" if model.fairness == "item_exposure" else "user"
    codes, _ = group_codes(train, model.fairness_attr, side=side)
    return FairTerm(model.fairness, float(model.fairness_weight), torch.from_numpy(codes))


def active(term: FairTerm | None) -> FairTerm | None:
    """``term`` when it changes training (λ > 0), else None: λ = 0 runs the plain code."""
    return term if term is not None and term.weight > 0 else None


def project_users(model, train, vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (one per user) with ``leakage_attr``'s linear directions removed, or unchanged
    when ``leakage_attr`` is empty."""
    if not model.leakage_attr:
        return vectors
    from fairrec_core.fairtrain._groups import group_codes
    from fairrec_core.leakage import attribute_directions, project_out

    group_codes(train, model.leakage_attr, side="user")  # the attribute's checks and message
    labels = train.user_groups(model.leakage_attr).to_numpy()
    directions = attribute_directions(vectors, labels, rounds=int(model.leakage_rounds),
                                      seed=int(model.random_state))
    return project_out(vectors, directions)
