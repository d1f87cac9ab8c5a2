"""Ground truth for the loop: every user's true utility for every item.

On the demo shop (``demo``, ``synthetic:...``) it is the generator's own utility model
(:func:`fairrec_core.data.true_utilities`). Real data has none, so an oracle stands in: a model
(by default the project's ALS) fitted to *all* the data, whose scores are taken as the users'
true tastes — an assumption every result states (:attr:`GroundTruth.assumption`).

Utilities are standardised over all (user, item) cells (mean 0, standard deviation 1), so the
choice model's temperature and no-choice utility have one scale on every data set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.errors import DataError
from fairrec_core.limits import check_dense

#: What the generator's utilities assume (stated with every result).
GENERATOR_ASSUMPTION = ("true utilities: the demo shop generator's own utility model (taste "
                        "factors, long-tail popularity, planted group effects)")
#: The oracle's default model and parameters: ALS fitted to all the data, with no held-out part.
ORACLE_MODEL = "als"
ORACLE_PARAMS = {"validation": 0.0}


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """``utilities[u, i]``: user index ``u``'s true utility of item ``i`` (float32, standardised
    over all cells); ``source`` is ``"generator"`` or ``"oracle"``; ``assumption`` says in words
    what the truth rests on."""

    utilities: np.ndarray
    source: str
    assumption: str

    @classmethod
    def standardised(cls, scores: np.ndarray, *, source: str, assumption: str) -> GroundTruth:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or not np.isfinite(scores).all():
            raise DataError("ground truth: utilities must be a finite users x items matrix")
        sd = scores.std()
        z = (scores - scores.mean()) / (sd if sd > 0 else 1.0)
        return cls(z.astype(np.float32), source, assumption)

    @property
    def shape(self) -> tuple[int, int]:
        return self.utilities.shape


def generator_truth(spec) -> GroundTruth:
    """The demo shop's truth for a :class:`~fairrec_core.data.SyntheticSpec`."""
    from fairrec_core.data import true_utilities

    return GroundTruth.standardised(true_utilities(spec), source="generator",
                                    assumption=GENERATOR_ASSUMPTION)


def oracle_truth(data, *, model: str = ORACLE_MODEL, params: dict | None = None,
                 seed: int = 0) -> GroundTruth:
    """An oracle's truth for real data: ``model`` (a name of
    :data:`fairrec_core.models.MODELS`) fitted to all of ``data``; its score of every item,
    seen ones included, is taken as the user's true utility."""
    from fairrec_core.models import MODELS

    if model not in MODELS:
        raise DataError(f"oracle: unknown model {model!r}; available: {', '.join(MODELS)}")
    cls = MODELS[model]
    params = {**(ORACLE_PARAMS if model == ORACLE_MODEL else {}), **(params or {})}
    if "random_state" in cls._param_names():
        params.setdefault("random_state", seed)
    check_dense((data.n_users, data.n_items), np.float64, what="the oracle's utilities")
    fitted = cls(**params).fit(data)
    users = np.arange(data.n_users)
    items, scores = fitted.recommend(users, data.n_items, exclude_seen=False)
    full = np.empty((data.n_users, data.n_items), dtype=np.float64)
    full[users[:, None], items] = scores
    setting = ",".join(f"{k}={v}" for k, v in sorted(params.items()))
    return GroundTruth.standardised(
        full, source="oracle",
        assumption=f"true utilities: an oracle ({model}{':' + setting if setting else ''}) "
                   "fitted to all the data; its scores are taken as the users' true tastes")


def truth_for(spec: str, data, *, oracle_model: str = ORACLE_MODEL,
              oracle_params: dict | None = None, seed: int = 0) -> GroundTruth:
    """The truth for a ``--data`` spec: the generator's for ``demo`` and ``synthetic:...``,
    else an oracle fitted to ``data`` (the loaded dataset)."""
    from fairrec_core.data import SyntheticSpec, parse_synthetic

    kind, _, arg = (spec or "").strip().partition(":")
    if kind == "demo" and not arg:
        return generator_truth(SyntheticSpec())
    if kind == "synthetic":
        return generator_truth(parse_synthetic(arg))
    return oracle_truth(data, model=oracle_model, params=oracle_params, seed=seed)
