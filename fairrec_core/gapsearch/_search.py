"""The search: every applicable re-ranker over its strength grid (the trade-off ``sweep``),
the strength refined by bisection where the target is first met, and the audit's simultaneous
interval of the gap for the best few settings."""

from __future__ import annotations

import copy
import json
import math
import time

import numpy as np
import pandas as pd

from fairrec_core.errors import DataError
from fairrec_core.gapsearch._result import GapSearch
from fairrec_core.gapsearch._settings import applicable
from fairrec_core.gapsearch._target import GapTarget
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking import GRID_POINTS, Reranker, pareto_front, sweep

#: Bisection steps between the last grid strength that misses the target and the first that
#: meets it (a grid step of 0.1 is narrowed to 0.1 / 2**6 ≈ 0.002).
REFINE_STEPS = 6
#: Settings that get the full audit's interval.
N_BEST = 3
#: Bootstrap resamples and permutations for the intervals of the best few: fewer than the
#: audit page's 1,000 to keep the search quick; the applied setting gets the page's full audit.
N_RESAMPLES = 200
#: Strengths are rounded to this many decimals so that a setting's spec string parses back to
#: exactly the strength that was evaluated.
DECIMALS = 4


class _Recorder:
    """Stands in for the audit context in :func:`~fairrec_core.reranking.sweep`: passes every
    ``summarize`` through and keeps the gap row of each, in order."""

    def __init__(self, ctx, figures):
        self.train = ctx.train
        self._ctx = ctx
        self._figures = figures
        self.rows: list[dict] = []

    def summarize(self, lists: RankedLists):
        summary = self._ctx.summarize(lists)
        self.rows.append(self._figures(summary))
        return summary


def search_gap(ctx, candidates: RankedLists, target: GapTarget, *, train=None,
               k: int | None = None, grid_points: int = GRID_POINTS,
               refine_steps: int = REFINE_STEPS, n_best: int = N_BEST,
               n_resamples: int = N_RESAMPLES, seed: int | None = 0,
               progress=None) -> GapSearch:
    """Search every re-ranker that can act on ``target.attribute`` (see
    :func:`~fairrec_core.gapsearch.applicable`) over its strength for the settings that bring
    the audit's gap (``ctx.summarize(lists).gap(attribute, metric@k)``) to the target at the
    least accuracy cost (overall NDCG@k against the model's own top-k).

    ``candidates``: the model's top-N (N > k) for the audited users; ``train`` defaults to
    ``ctx.train``; ``k`` must be the context's cutoff. ``progress(fraction, text)`` is called as
    the search goes. Returns a :class:`GapSearch`.
    """
    started = time.perf_counter()
    k = ctx.k if k is None else int(k)
    if k != ctx.k:
        raise DataError(f"close-gap: k={k} but the audit context measures at k={ctx.k}")
    train = ctx.train if train is None else train
    column, accuracy = target.column(k), f"ndcg@{k}"
    before = ctx.summarize(candidates.top(k))
    if target.attribute not in before.attributes:
        known = ", ".join(g.attribute for g in ctx.groupings)
        raise DataError(f"close-gap: {target.attribute!r} is not audited; audited: {known}")

    def figures(summary) -> dict:
        row = summary.gap(target.attribute, column)
        gap, ratio = float(row["difference"]), float(row["ratio"])
        return {"gap": gap, "ratio": ratio, "accuracy": float(summary.overall[accuracy]),
                "best_group": row["max_group"], "worst_group": row["min_group"]}

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(min(1.0, fraction), text)

    model = {"reranker": "", "setting": "model", "strength": 0.0, "params": "{}",
             "source": "model", **figures(before)}
    report(0.02, "Preparing the re-rankers")
    fitted, skipped = applicable(train, candidates, target.attribute)
    rows = [model]
    for i, (name, reranker) in enumerate(fitted.items()):
        report(0.05 + 0.75 * i / max(len(fitted), 1), f"Trying {name}")
        spec = _strength(reranker)
        recorder = _Recorder(ctx, figures)
        grid = np.round(spec.grid(grid_points), DECIMALS)
        sweep(reranker, spec.key, grid, context=recorder, candidates=candidates, k=k)
        found = [_row(reranker, float(v), "grid", rec) for v, rec in zip(grid, recorder.rows,
                                                                          strict=True)]
        found += _refine(reranker, found, target, refine_steps,
                         lambda r: figures(ctx.summarize(r.rerank(candidates, k))))
        rows += found
    table = _table(rows, target, model["accuracy"])
    report(0.85, "Measuring the intervals of the best settings")
    shortlist = _shortlist(table, target, n_best)
    intervals = []
    for _, row in shortlist.iterrows():
        lists = _lists(fitted[row["reranker"]], row["strength"], candidates, k)
        full = ctx.audit(lists, n_bootstrap=n_resamples, n_permutations=n_resamples, seed=seed)
        gap = full.gap(target.attribute, column)
        intervals.append({"ci_lo": float(gap["ci_lo"]), "ci_hi": float(gap["ci_hi"]),
                          "p_value": float(gap["p_value_pair"])})
    shortlist = pd.concat([shortlist.reset_index(drop=True),
                           pd.DataFrame(intervals, columns=["ci_lo", "ci_hi", "p_value"])], axis=1)
    report(1.0, "Done")
    return GapSearch(target=target, k=k, model=model, table=table, shortlist=shortlist,
                     skipped=skipped, n_resamples=n_resamples,
                     seconds=time.perf_counter() - started)


def _strength(reranker: Reranker):
    return next(s for s in reranker.PARAMS.values() if s.name == reranker.STRENGTH)


def _at(reranker: Reranker, strength: float) -> Reranker:
    return copy.copy(reranker).set_params(**{reranker.STRENGTH: float(strength)})


def _lists(reranker: Reranker, strength: float, candidates: RankedLists, k: int) -> RankedLists:
    return _at(reranker, strength).rerank(candidates, k)


def _row(reranker: Reranker, strength: float, source: str, figures: dict) -> dict:
    at = _at(reranker, strength)
    return {"reranker": reranker.NAME, "setting": at.spec(), "strength": strength,
            "params": json.dumps(at.get_params(), sort_keys=True), "source": source, **figures}


def _refine(reranker, found: list[dict], target: GapTarget, steps: int, evaluate) -> list[dict]:
    """Bisect the strength between the last grid point below the first one that meets the
    target and that point (assumes the gap moves monotonically in between; every evaluated
    strength is kept, so a non-monotone stretch cannot hide a cheaper grid point)."""
    ordered = sorted(found, key=lambda r: r["strength"])
    first = next((i for i, r in enumerate(ordered) if target.met(r["gap"], r["ratio"])), None)
    if first is None or first == 0 or steps <= 0:
        return []
    lo, hi = ordered[first - 1]["strength"], ordered[first]["strength"]
    out = []
    for _ in range(steps):
        mid = round((lo + hi) / 2, DECIMALS)
        if mid in (lo, hi):
            break
        figures = evaluate(_at(reranker, mid))
        out.append(_row(reranker, mid, "refined", figures))
        if target.met(figures["gap"], figures["ratio"]):
            hi = mid
        else:
            lo = mid
    return out


def _table(rows: list[dict], target: GapTarget, model_accuracy: float) -> pd.DataFrame:
    table = pd.DataFrame(rows).drop_duplicates(["reranker", "strength"]).reset_index(drop=True)
    table["cost"] = model_accuracy - table["accuracy"]
    table["cost_share"] = table["cost"] / model_accuracy if model_accuracy else math.nan
    table["meets"] = [target.met(g, r) for g, r in zip(table["gap"], table["ratio"], strict=True)]
    table["distance"] = [target.distance(g, r)
                         for g, r in zip(table["gap"], table["ratio"], strict=True)]
    if target.by_ratio:
        goal, direction = table["ratio"].fillna(-np.inf), "up"
    else:
        goal, direction = table["gap"].fillna(np.inf), "down"
    table["pareto"] = pareto_front(table["accuracy"].to_numpy(), goal.to_numpy(), direction)
    return table.sort_values(["reranker", "strength"], kind="stable").reset_index(drop=True)


def _shortlist(table: pd.DataFrame, target: GapTarget, n: int) -> pd.DataFrame:
    """The least-cost setting that meets the target for each re-ranker, cheapest first; when
    none meets, each re-ranker's closest setting (smallest distance, then least cost)."""
    rows = table[table["reranker"] != ""]
    if rows["meets"].any():
        pick = rows[rows["meets"]].sort_values(["cost", "strength"], kind="stable")
    else:
        pick = rows.sort_values(["distance", "cost"], kind="stable")
    return pick.drop_duplicates("reranker").head(n).copy()
