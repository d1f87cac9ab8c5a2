"""How simulated users choose from a list: a position-biased multinomial logit with a no-choice
option and an attention budget.

Each listed item at rank ``r`` (from 1) is worth ``u - position_bias * ln(r)`` to the user,
``u`` its true utility (standardised, see :class:`~fairrec_core.feedback.GroundTruth`); choosing
nothing is worth ``outside``. The user draws Gumbel noise of scale ``temperature`` on every
option and takes the options worth more than choosing nothing, best first, at most ``budget``
of them — the same as choosing one at a time by a logit over the remaining items and "stop"
(Plackett-Luce), stopping at "stop" or after ``budget`` items. With ``temperature`` 1, rank
``r``'s attention is ``r ** -position_bias`` times rank 1's; with ``temperature`` 0 the choice
is deterministic (the best-valued options).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from fairrec_core.errors import DataError
from fairrec_core.ranking import PAD_ITEM


@dataclass(frozen=True)
class ChoiceModel:
    """``position_bias`` (>= 0; 0: rank does not matter), ``temperature`` (>= 0; 0: no noise),
    ``budget`` (the attention budget: at most this many items a round, >= 1) and ``outside``
    (the utility of choosing nothing; None: no no-choice option, every user takes ``budget``
    items)."""

    position_bias: float = 1.0
    temperature: float = 1.0
    budget: int = 1
    outside: float | None = 0.0

    def check(self) -> ChoiceModel:
        if not (np.isfinite(self.position_bias) and self.position_bias >= 0):
            raise DataError(f"choice: position bias {self.position_bias!r} must be >= 0")
        if not (np.isfinite(self.temperature) and self.temperature >= 0):
            raise DataError(f"choice: temperature {self.temperature!r} must be >= 0")
        if isinstance(self.budget, bool) or int(self.budget) != self.budget or self.budget < 1:
            raise DataError(f"choice: budget {self.budget!r} must be a whole number >= 1")
        if self.outside is not None and not np.isfinite(self.outside):
            raise DataError(f"choice: outside utility {self.outside!r} must be a finite number")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    def choose(self, items: np.ndarray, utilities: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, items)`` chosen from the lists ``items`` (``[n, k]``, ``-1`` pads) whose true
        utilities are ``utilities`` (same shape): row ``r`` of the lists chose ``items`` where
        ``rows == r``, best-valued first. The noise is drawn for every cell whatever the
        parameters, so one seed gives the same draws under every setting."""
        n, k = items.shape
        noise = rng.gumbel(size=(n, k + 1))
        value = utilities.astype(np.float64) - self.position_bias * np.log(np.arange(1, k + 1))
        value = value + self.temperature * noise[:, :k]
        value[items == PAD_ITEM] = -np.inf
        if self.outside is None:
            keep = np.isfinite(value)
        else:
            keep = value > self.outside + self.temperature * noise[:, k:]
        order = np.argsort(np.where(keep, -value, np.inf), axis=1, kind="stable")
        taken = np.take_along_axis(keep, order, axis=1)[:, : int(self.budget)]
        rows, cols = np.nonzero(taken)
        return rows, np.take_along_axis(items, order[:, : int(self.budget)], axis=1)[rows, cols]
