"""The re-ranker contract: scikit-learn style parameters, fit once, re-rank many times."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from fairrec_core.errors import DataError, ModelError
from fairrec_core.ranking import PAD_ITEM, RankedLists
from fairrec_core.reranking._params import ParamSpec


class Reranker:
    """Base class. Subclasses set ``NAME`` (command-line name), ``PARAMS`` (every constructor
    parameter, by Python keyword), ``STRENGTH`` (the parameter at which 0 means "leave the ranking
    alone") and ``TARGET`` (the audit metric the re-ranker moves and whether it moves it
    "down" or "up"), and implement ``_fit``, ``_prepare`` and ``_rerank``.

    ``fit(train, candidates)`` precomputes everything that does not depend on the slider
    parameters; ``rerank(candidates, k)`` is the fast part, vectorised over users.
    """

    NAME: ClassVar[str]
    PARAMS: ClassVar[dict[str, ParamSpec]]
    STRENGTH: ClassVar[str] = "lam"
    TARGET: ClassVar[tuple[str, Literal["down", "up"]]]

    # ---- scikit-learn parameter contract ----------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self.PARAMS}

    def set_params(self, **params) -> Reranker:
        for name, value in params.items():
            if name not in self.PARAMS:
                raise DataError(
                    f"{self.NAME}: unknown parameter {name!r}; expected one of "
                    f"{', '.join(self.PARAMS)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def spec(self) -> str:
        """The command-line form, ``NAME:key=value,...`` (parsed back by ``parse_rerank``)."""
        parts = [
            f"{p.key}={'none' if getattr(self, p.name) is None else _fmt(getattr(self, p.name))}"
            for p in self.PARAMS.values()
        ]
        return f"{self.NAME}:{','.join(parts)}"

    # ---- fit / rerank ----------------------------------------------------------------------
    def fit(self, train, candidates: RankedLists) -> Reranker:
        """Precompute from the training data and the candidate lists; returns ``self``."""
        self._check_params()
        self._fit(train)
        self.candidates_ = candidates
        self._prepared_ = self._prepare(candidates)
        self._fitted_with_ = {p: getattr(self, p) for p, s in self.PARAMS.items() if s.fit}
        return self

    def rerank(self, candidates: RankedLists, k: int) -> RankedLists:
        """Each user's new top-``k`` drawn from ``candidates`` (the model's scores are kept)."""
        if not hasattr(self, "_fitted_with_"):
            raise ModelError(f"{self.NAME}: call fit(train, candidates) before rerank")
        changed = [p for p, v in self._fitted_with_.items() if getattr(self, p) != v]
        if changed:
            raise ModelError(f"{self.NAME}: {', '.join(changed)} changed since fit; fit again")
        self._check_params()
        if int(k) < 1:
            raise DataError(f"{self.NAME}: k must be at least 1, got {k}")
        k = min(int(k), candidates.depth)
        if self._is_identity():
            return identity(candidates, k)
        return self._rerank(self._prepared_for(candidates), candidates, k)

    def _prepared_for(self, candidates: RankedLists):
        """The precomputation for ``candidates``: the one from ``fit`` when they are the lists
        given to ``fit``, otherwise computed now."""
        fitted = self.candidates_
        if candidates is fitted or (
            candidates.items.shape == fitted.items.shape
            and np.array_equal(candidates.users, fitted.users)
            and np.array_equal(candidates.items, fitted.items)
            and np.array_equal(candidates.scores, fitted.scores)
        ):
            return self._prepared_
        return self._prepare(candidates)

    def target_value(self, lists: RankedLists, candidates: RankedLists) -> float:
        """The ``TARGET`` figure of ``lists`` where the audit does not report it (NaN here: the
        audit reports calibration_kl, ild and aplt)."""
        return float("nan")

    def _check_params(self) -> None:
        for spec in self.PARAMS.values():
            spec.check(getattr(self, spec.name), self.NAME)

    def _is_identity(self) -> bool:
        return getattr(self, self.STRENGTH) == 0

    # ---- to implement ----------------------------------------------------------------------
    def _fit(self, train) -> None:
        raise NotImplementedError

    def _prepare(self, candidates: RankedLists):
        raise NotImplementedError

    def _rerank(self, prepared, candidates: RankedLists, k: int) -> RankedLists:
        raise NotImplementedError


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def identity(candidates: RankedLists, k: int) -> RankedLists:
    """The first ``k`` ranks, as new arrays (strength 0)."""
    return RankedLists(
        candidates.users.copy(), candidates.items[:, :k].copy(), candidates.scores[:, :k].copy()
    )


def gather(candidates: RankedLists, cols: np.ndarray) -> RankedLists:
    """Lists made of the candidates at columns ``cols`` [n, k]; column ``depth`` means padding."""
    n, depth = candidates.items.shape
    items = np.concatenate([candidates.items, np.full((n, 1), PAD_ITEM)], axis=1)
    scores = np.concatenate([candidates.scores, np.full((n, 1), -np.inf, dtype=np.float32)], axis=1)
    return RankedLists(
        candidates.users,
        np.take_along_axis(items, cols, axis=1),
        np.take_along_axis(scores, cols, axis=1),
    )


def relevance(candidates: RankedLists) -> np.ndarray:
    """Model scores min-max normalised within each user's candidates to [0, 1] (float64; a user
    whose candidates all score the same gets 1; padding gets NaN)."""
    scores = candidates.scores.astype(np.float64)
    valid = (candidates.items != PAD_ITEM) & np.isfinite(scores)
    lo = np.where(valid, scores, np.inf).min(axis=1, keepdims=True)
    hi = np.where(valid, scores, -np.inf).max(axis=1, keepdims=True)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(span > 0, (scores - lo) / span, 1.0)
    return np.where(valid, rel, np.nan)
