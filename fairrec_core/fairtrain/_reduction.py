"""fairlearn's reductions around a recommender: ``ExponentiatedGradient`` with
``BoundedGroupLoss`` (Agarwal et al. 2018/2019) where the samples are users.

fairlearn expects a supervised estimator ``fit(X, y, sample_weight)`` / ``predict(X)`` whose
predictions have a loss per sample. Here:

- a sample is a user with held-out items, the sensitive feature the user's group;
  ``X`` = [user index, ``y``] and ``y`` alternates 0 and 2 over the users (fairlearn replaces
  the estimator by a constant one when ``y`` has a single value, so ``y = 0`` for all cannot be
  used);
- ``fit(X, y, sample_weight)`` trains the recommender on the rest of the training data with each
  user's interactions weighted by that user's sample weight (interaction weights, the
  pre-processing convention; users who are not samples keep weight 1);
- ``predict(X)`` returns ``l`` where ``y = 0`` and ``2 - l`` where ``y = 2``, ``l`` the user's
  loss ``1 - NDCG@10`` on the held-out items (in [0, 1]), so with ``AbsoluteLoss(0, 2)`` every
  user's loss is ``|y - prediction| = l`` and the group loss that ``BoundedGroupLoss`` bounds is
  the group's ``1 - mean NDCG@10``.

The result is fairlearn's randomised mixture of the models it trained (``weights``: the mixture
probabilities), each with its per-user weights; :func:`reduction_fit` also reports the group
losses of the plain model and of the mixture (the expected loss under ``weights``).

What fairlearn cannot do here: the bound is on a *held-out* proxy the reduction sees while it
reweights (the held-out items are chosen once), so the guarantee is on those items, not on a
later test split; the mixture is randomised (serving it means drawing a model per user or per
request), and each oracle call is a full training run, so ``max_iter`` must stay small.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.errors import ModelError
from fairrec_core.fairtrain._groups import group_codes
from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
from fairrec_core.models import Recommender, top_n
from fairrec_core.models._validation import holdout

#: Cutoff of the per-user loss ``1 - NDCG@k``.
CUTOFF = 10


@dataclass(frozen=True)
class ReductionResult:
    """``models[j]`` trained with per-user weights ``user_weights[j]`` (one per user index),
    drawn with probability ``weights[j]``; group losses ``1 - NDCG@10`` on the held-out items:
    ``plain_loss`` (the unweighted model) and ``mixture_loss`` (expected under ``weights``),
    indexed by group label; ``bound`` the upper bound asked for."""

    models: tuple[Recommender, ...]
    weights: np.ndarray
    user_weights: tuple[np.ndarray, ...]
    plain_loss: pd.Series
    mixture_loss: pd.Series
    bound: float

    @property
    def best(self) -> Recommender:
        """The model with the largest mixture probability (a deterministic choice)."""
        return self.models[int(np.argmax(self.weights))]


class _Oracle:
    """The estimator fairlearn calls: ``fit`` trains ``make()`` on ``fit_data`` with per-user
    interaction weights; ``predict`` gives each user's ``1 - NDCG@10`` on ``val``.

    fairlearn copies its estimator before each fit (``sklearn.base.clone(safe=False)``, i.e. a
    deep copy for a non-scikit-learn object); ``__deepcopy__`` shares the data instead of copying
    it (the data is never changed)."""

    def __init__(self, make, fit_data, val):
        self.make, self.fit_data, self.val = make, fit_data, val

    def __deepcopy__(self, memo):
        return _Oracle(self.make, self.fit_data, self.val)

    def fit(self, X, y, sample_weight=None):
        users = np.asarray(X, dtype=np.int64).reshape(len(X), -1)[:, 0]
        per_user = np.ones(self.fit_data.n_users)
        if sample_weight is not None:
            per_user[users] = np.asarray(sample_weight, dtype=np.float64)
        per_user *= len(per_user) / per_user.sum()  # mean weight 1
        inter = self.fit_data.interactions
        weighted = self.fit_data.with_interactions(
            inter.assign(weight=per_user[inter["user"].to_numpy()]))
        self.user_weights_ = per_user
        self.model_ = self.make().fit(weighted)
        return self

    def predict(self, X) -> np.ndarray:
        x = np.asarray(X, dtype=np.int64).reshape(len(X), -1)
        loss = user_loss(self.model_, x[:, 0], self.val)
        return np.where(x[:, 1] == 0, loss, 2.0 - loss)


def user_loss(model: Recommender, users: np.ndarray, val) -> np.ndarray:
    """``1 - NDCG@10`` of each user's list on the held-out ``val`` items (float64)."""
    lists = top_n(model, users, CUTOFF)
    return 1.0 - ndcg(hit_matrix(lists, val), n_relevant(lists, val)).astype(np.float64)


def reduction_fit(make, train, attribute: str, *, bound: float | None = None,
                  max_iter: int = 5, eps: float = 0.01, validation: float = 0.2,
                  seed: int = 0) -> ReductionResult:
    """fairlearn's ``ExponentiatedGradient(BoundedGroupLoss(AbsoluteLoss(0, 2), upper_bound=
    bound))`` around the recommender ``make()`` (a model class or factory whose class takes
    interaction weights), with ``attribute``'s user groups as the sensitive feature.

    A seeded ``validation`` fraction of each eligible user's interactions is held out (the
    early-stopping holdout); ``bound`` defaults to the plain model's overall loss (no group
    worse than the average user). Users with an uninformative label are not samples."""
    from fairlearn.reductions import AbsoluteLoss, BoundedGroupLoss, ExponentiatedGradient

    if not getattr(make(), "takes_weights", False):
        raise ModelError(f"reduction: the model {make().name!r} does not take interaction "
                         "weights, which the reduction needs")
    codes, labels = group_codes(train, attribute, "user")
    fit_data, val = holdout(train, float(validation), int(seed))
    if val is None:
        raise ModelError("reduction: no user has enough interactions to hold some out")
    users = np.flatnonzero((val.user_counts > 0) & (codes >= 0))
    groups = np.asarray(labels, dtype=object)[codes[users]]
    plain = make().fit(fit_data)
    plain_user = user_loss(plain, users, val)
    plain_loss = pd.Series(plain_user).groupby(groups).mean()
    target = float(plain_user.mean()) if bound is None else float(bound)
    reduction = ExponentiatedGradient(
        _Oracle(make, fit_data, val),
        BoundedGroupLoss(AbsoluteLoss(0, 2), upper_bound=target),
        eps=float(eps), max_iter=int(max_iter))
    y = 2.0 * (np.arange(len(users)) % 2)
    x = np.column_stack([users, y]).astype(np.int64)
    with warnings.catch_warnings():  # fairlearn's own pandas deprecation warnings
        warnings.filterwarnings("ignore", module=r"fairlearn\.")
        reduction.fit(x, y, sensitive_features=groups)
    keep = np.flatnonzero(np.asarray(reduction.weights_) > 0)
    oracles = [reduction.predictors_[j] for j in keep]
    weights = np.asarray(reduction.weights_)[keep]
    weights = weights / weights.sum()
    losses = sum(w * user_loss(o.model_, users, val) for w, o in zip(weights, oracles, strict=True))
    return ReductionResult(
        models=tuple(o.model_ for o in oracles),
        weights=weights,
        user_weights=tuple(o.user_weights_ for o in oracles),
        plain_loss=plain_loss,
        mixture_loss=pd.Series(losses).groupby(groups).mean(),
        bound=target,
    )
