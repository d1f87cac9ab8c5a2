"""The sweep: the plain model once (strength 0 of every lever), then each lever at each
strength, every point measured by the audit engine on the same split."""

from __future__ import annotations

import inspect
import math
import time

import numpy as np

from fairrec_core.errors import DataError
from fairrec_core.mitigation._levers import check_levers, check_strengths, lever_setting
from fairrec_core.mitigation._measure import measure
from fairrec_core.mitigation._result import MitigationResult
from fairrec_core.mitigation._target import MitigationTarget

#: Bootstrap resamples for each point's gap interval (fewer than the audit page's 1,000: a sweep
#: measures many points; the chosen model gets the page's full audit).
N_BOOTSTRAP = 200
#: Candidates per user handed to the post-processing re-ranker.
CANDIDATES = 100


def mitigate(train, test, *, model, params: dict | None = None, target: MitigationTarget,
             levers=("pre", "in", "post"), strengths=(0.0, 0.25, 0.5, 1.0), k: int = 10,
             seed: int | None = 0, n_bootstrap: int = N_BOOTSTRAP, n_permutations: int = 0,
             candidates: int = CANDIDATES, progress=None, should_stop=None) -> MitigationResult:
    """Train ``model`` (a name of :data:`fairrec_core.models.MODELS` or a class) with
    ``params`` on ``train`` and pull each of ``levers`` at each of ``strengths``; measure every
    point on ``test`` at cutoff ``k`` (users with held-out items).

    Strength 0 is the plain model, trained once and shared by every lever (always included).
    ``seed`` is the model's ``random_state`` unless ``params`` sets it, the same for every
    point, so a point differs from the plain model only by its lever. A lever the model lacks
    gives one row whose ``note`` says why. ``progress(fraction, text)`` is called after each
    point; ``should_stop()`` is asked before each and ends the sweep early (finished points
    are kept, ``result.stopped`` is True). Returns a :class:`MitigationResult`.
    """
    from fairrec_core.audit import AuditContext
    from fairrec_core.models import MODELS, top_n

    started = time.perf_counter()
    levers, strengths = check_levers(levers), check_strengths(strengths)
    cls = _model_class(model, MODELS)
    params = dict(params or {})
    if "random_state" in inspect.signature(cls.__init__).parameters:
        params.setdefault("random_state", seed)
    if int(k) < 1 or int(candidates) <= int(k):
        raise DataError(f"mitigate: candidates ({candidates}) must exceed k ({k}) >= 1")
    target.check(train)
    ctx = AuditContext(train, test, k=int(k), groups=[target.attribute], intersections=False)
    users = np.flatnonzero(test.user_counts > 0)
    if not len(users):
        raise DataError("mitigate: no user has held-out items to measure on")
    depth = int(candidates) if "post" in levers else int(k)
    plan = [(lever, s) for lever in levers for s in strengths if s > 0]
    total = 1 + len(plan)

    def report(done: int, text: str) -> None:
        if progress is not None:
            progress(min(1.0, done / total), text)

    def point(lever, setting, lists, seconds) -> dict:
        figures = measure(ctx, lists, target, n_bootstrap=int(n_bootstrap),
                          n_permutations=int(n_permutations), seed=seed)
        return {"lever": lever, "strength": setting.strength if setting else 0.0,
                "setting": setting.text if setting else "plain", "model": cls.name,
                "note": "", "seconds": seconds, **figures}

    tick = time.perf_counter()
    plain = cls(**params).fit(train)
    plain_candidates = top_n(plain, users, depth)
    plain_lists = plain_candidates.top(int(k))
    first = point("plain", None, plain_lists, time.perf_counter() - tick)
    rows = [{**first, "lever": lever} for lever in levers]
    lists = {(lever, 0.0): plain_lists for lever in levers}
    report(1, f"plain {cls.name}: gap {first['gap']:.4f}")
    stopped, missing = False, set()
    for done, (lever, s) in enumerate(plan, start=2):
        if lever in missing:
            report(done, f"{lever}: not available")
            continue
        if should_stop is not None and should_stop():
            stopped = True
            break
        setting = lever_setting(lever, s, cls, target)
        if not setting.available:
            missing.add(lever)
            rows = [r for r in rows if r["lever"] != lever]
            rows.append({"lever": lever, "strength": math.nan, "setting": "", "model": cls.name,
                         "note": setting.note})
            lists.pop((lever, 0.0), None)
            report(done, f"{lever}: {setting.note}")
            continue
        tick = time.perf_counter()
        if lever == "post":
            reranker = setting.reranker.fit(train, plain_candidates)
            out = reranker.rerank(plain_candidates, int(k))
        else:
            data = train
            if lever == "pre":
                from fairrec_core.rebalance import reweight

                data = reweight(train, **setting.reweight)
            fitted = cls(**{**params, **setting.params}).fit(data)
            out = top_n(fitted, users, depth).top(int(k))
        rows.append(point(lever, setting, out, time.perf_counter() - tick))
        lists[(lever, s)] = out
        report(done, f"{lever} at {s:g}: gap {rows[-1]['gap']:.4f}, "
                     f"NDCG@{k} {rows[-1]['accuracy']:.4f}")
    return MitigationResult.build(
        rows, target=target, k=int(k), model=cls.name, params=params, levers=levers,
        strengths=strengths, lists=lists, stopped=stopped, n_bootstrap=int(n_bootstrap),
        n_permutations=int(n_permutations), seconds=time.perf_counter() - started)


def _model_class(model, menu: dict):
    if isinstance(model, str):
        name = model.strip().lower()
        if name not in menu:
            raise DataError(f"mitigate: unknown model {model!r}; available: {', '.join(menu)}")
        return menu[name]
    if isinstance(model, type) and hasattr(model, "fit"):
        return model
    raise DataError(f"mitigate: model must be a name ({', '.join(menu)}) or a model class")
