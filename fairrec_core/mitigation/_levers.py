"""The three levers and what each trains or applies at a strength in [0, 1]:

- ``"pre"`` (the data): :func:`fairrec_core.rebalance.reweight` with ``target="equal_group"``
  on the targeted attribute (user or item side) at ``strength``; for models that take
  interaction weights (``takes_weights``).
- ``"in"`` (the training): the model's ``fairness`` parameter (``"user_gap"`` or
  ``"item_exposure"``) on the targeted attribute with ``fairness_weight = strength *
  FAIRNESS_FULL[mode]`` (the class's full-strength weight); for models with that mode.
- ``"post"`` (the output): a re-ranker at ``strength`` (its ``STRENGTH`` parameter, as the
  close-gap search sets it): the user-group gap re-ranker ``ugf`` for a user-side gap, FA*IR
  ``fair`` with the protected items (``p = strength``, the re-ranker's own strength: the
  smallest protected share every prefix must be consistent with; at 1 the lists hold only
  protected items where the candidates have enough, an over-correction the trade-off shows as a
  gap of the other sign) for an item-side shortfall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fairrec_core.errors import DataError
from fairrec_core.mitigation._target import MitigationTarget

#: The levers, in the order the table lists them.
LEVERS = ("pre", "in", "post")
#: The in-processing mode for each side of a target.
FAIRNESS_MODE = {"user": "user_gap", "item": "item_exposure"}
#: The ``target`` of :func:`~fairrec_core.rebalance.reweight` the pre lever uses.
REWEIGHT_TARGET = "equal_group"


@dataclass(frozen=True)
class LeverSetting:
    """What to train or apply for one lever at one strength. ``note`` is empty when the model
    has the lever, otherwise the reason it cannot be pulled (then nothing else is set).
    ``reweight``: keyword arguments of ``reweight`` (pre); ``params``: model parameters to
    override (in); ``reranker``: an unfitted re-ranker at the strength (post)."""

    lever: str
    strength: float
    text: str = ""
    note: str = ""
    reweight: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    reranker: object = None

    @property
    def available(self) -> bool:
        return not self.note


def check_levers(levers) -> tuple[str, ...]:
    """``levers`` (names, or one comma-separated string) checked and deduplicated, in
    :data:`LEVERS` order."""
    if isinstance(levers, str):
        levers = [p for p in (s.strip() for s in levers.split(",")) if p]
    names = [str(x).strip().lower() for x in levers]
    bad = [x for x in names if x not in LEVERS]
    if bad:
        raise DataError(f"mitigate: unknown lever {bad[0]!r}; levers: {', '.join(LEVERS)}")
    if not names:
        raise DataError(f"mitigate: no lever chosen; levers: {', '.join(LEVERS)}")
    return tuple(x for x in LEVERS if x in names)


def check_strengths(strengths) -> tuple[float, ...]:
    """Sorted distinct strengths, each a number in [0, 1]; 0 (the plain model) always added."""
    if isinstance(strengths, str):
        strengths = [p for p in (s.strip() for s in strengths.split(",")) if p]
    out = set()
    for s in strengths:
        try:
            x = float(s)
        except (TypeError, ValueError):
            raise DataError(f"mitigate: strength {s!r} is not a number") from None
        if not (math.isfinite(x) and 0.0 <= x <= 1.0):
            raise DataError(f"mitigate: strength {s!r} is outside [0, 1]")
        out.add(x)
    return tuple(sorted(out | {0.0}))


def lever_setting(lever: str, strength: float, model_cls, target: MitigationTarget) -> LeverSetting:
    """What ``lever`` at ``strength`` trains or applies for ``model_cls`` and ``target``."""
    (lever,) = check_levers([lever])
    s = check_strengths([strength])[-1] if strength else 0.0
    attr, side = target.fairness_attr, target.side
    if lever == "pre":
        if not getattr(model_cls, "takes_weights", False):
            return LeverSetting(lever, s, note=f"{model_cls.name} cannot take interaction "
                                "weights, so the data cannot be rebalanced for it")
        try:
            import fairrec_core.rebalance  # noqa: F401
        except ImportError:
            return LeverSetting(lever, s, note="rebalancing (fairrec_core.rebalance) is not "
                                "available in this installation")
        kw = dict(target=REWEIGHT_TARGET, attribute=attr, side=side, strength=s)
        return LeverSetting(lever, s, text=f"reweight:{_kv(kw)}", reweight=kw)
    if lever == "in":
        mode = FAIRNESS_MODE[side]
        full = getattr(model_cls, "FAIRNESS_FULL", None) or {}
        if mode not in getattr(model_cls, "FAIRNESS", ()) or mode not in full:
            return LeverSetting(lever, s, note=f"{model_cls.name} has no fairness-regularised "
                                f"training for this target (fairness={mode!r})")
        params = dict(fairness=mode, fairness_attr=attr,
                      fairness_weight=round(s * float(full[mode]), 10))
        return LeverSetting(lever, s, text=f"{model_cls.name}:{_kv(params)}", params=params)
    from fairrec_core.reranking import FAIRReranker, UserGroupGapReranker

    if side == "user":
        reranker = UserGroupGapReranker(user_attr=attr, lam=s)
    else:
        reranker = FAIRReranker(p=s, protected=f"{attr}={target.protected}")
    return LeverSetting(lever, s, text=reranker.spec(), reranker=reranker)


def _kv(params: dict) -> str:
    return ",".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in params.items())
