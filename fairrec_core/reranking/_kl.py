"""The greedy bonus for moving a list's category distribution toward a target distribution:
the decrease of Steck's smoothed KL divergence when a candidate's category profile is added."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from fairrec_core.metrics import CALIBRATION_ALPHA

#: Steck's smoothing of the list distribution toward the target, q~ = (1 - a) q + a p (as the
#: audit's calibration_kl).
KL_SMOOTHING = CALIBRATION_ALPHA


class KLBonus:
    """``step(t)[u, m]`` is ``KL(p_u || q~(L_u)) - KL(p_u || q~(L_u + m))`` up to a constant
    shared by all ``m``, where ``L_u`` holds the ``t`` categories profiles chosen so far and
    ``q(L)`` is the mean profile of the list (uniform weights, Steck 2018)."""

    def __init__(self, target: np.ndarray, profiles: np.ndarray, alpha: float = KL_SMOOTHING):
        self.p = target
        self.has = target > 0
        self.profiles = profiles
        self.alpha = alpha
        self.count = np.zeros_like(target)
        nnz = profiles > 0
        if (nnz.sum(axis=1) == 1).all():
            self.one_hot = np.argmax(nnz, axis=1)  # category of each profile
        else:
            # gain of adding weight v to category c, for the few distinct weights v; a profile's
            # gain is the sum over its (c, v) entries: one matrix product per step
            self.one_hot = None
            prof, cat = np.nonzero(nnz)
            self.weights, widx = np.unique(profiles[prof, cat], return_inverse=True)
            n_cat = profiles.shape[1]
            self.pairs_t = sp.csr_matrix(
                (np.ones(len(prof)), (prof, cat * len(self.weights) + widx)),
                shape=(profiles.shape[0], n_cat * len(self.weights)),
            )

    def step(self, t: int) -> np.ndarray:
        a = self.alpha
        b = (1.0 - a) / (t + 1)
        base = np.where(self.has, self.count * b + a * self.p, 1.0)
        if self.one_hot is not None:
            cat = self.one_hot
            lb = base[:, cat]
            return self.p[:, cat] * (np.log(lb + b) - np.log(lb))
        lb = base[:, :, None]
        gain = self.p[:, :, None] * (np.log(lb + b * self.weights) - np.log(lb))
        return np.asarray((self.pairs_t @ gain.reshape(len(gain), -1).T).T)

    def update(self, classes: np.ndarray, taken: np.ndarray) -> None:
        self.count += self.profiles[classes] * taken[:, None]


def smoothed_kl(p: np.ndarray, q: np.ndarray, alpha: float = KL_SMOOTHING) -> np.ndarray:
    """Row-wise ``KL(p || (1 - alpha) q + alpha p)`` (0 for an all-zero ``p``)."""
    qs = (1.0 - alpha) * q + alpha * p
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p / qs), 0.0)
    return terms.sum(axis=1)
